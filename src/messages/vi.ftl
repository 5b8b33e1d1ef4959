# Bản tiếng Việt. Mỗi thông điệp ở đây có bản tiếng Anh cùng mã và cùng tham
# số trong en.ftl (phép kiểm thử danh mục kiểm tra cả hai).
# Viết như cán bộ Hội Khuyến học đọc: thuật ngữ của ngành, dạng NFC.

## Tiêu đề của tài liệu lỗi

title-bad-request = Yêu cầu không hợp lệ
title-unauthorized = Chưa xác thực
title-forbidden = Không có quyền
title-not-found = Không tìm thấy
title-method-not-allowed = Phương thức không được hỗ trợ
title-request-refused = Yêu cầu bị từ chối
title-request-timeout = Hết thời gian chờ
title-conflict = Xung đột dữ liệu
title-precondition-failed = Phiên bản không khớp
title-precondition-required = Thiếu phiên bản (If-Match)
title-payload-too-large = Dữ liệu gửi lên quá lớn
title-unsupported-media-type = Định dạng dữ liệu không được hỗ trợ
title-validation-failed = Dữ liệu nhập chưa hợp lệ
title-unprocessable = Không thể xử lý yêu cầu
title-too-many-requests = Quá nhiều yêu cầu
title-unavailable = Dịch vụ tạm thời gián đoạn
title-not-acceptable = Không có định dạng phù hợp
title-internal = Lỗi máy chủ

## Yêu cầu và HTTP

bad-parameter = Tham số `{ $name }`: { $reason }
not-found = Không tìm thấy { $what }
no-route = Không có tài nguyên nào ở đường dẫn này: các thao tác được mô tả tại /docs (và trong /api-docs/openapi.json)
refused-bad-request = Yêu cầu bị từ chối như đã gửi (với yêu cầu từ trang web khác: nguồn gốc, phương thức hoặc tiêu đề không được phép)
refused-unauthorized = Hãy gửi thông tin xác thực dạng `Authorization: Bearer <credential>`
refused-forbidden = Yêu cầu này không được phép
refused-method = Đường dẫn này không nhận phương thức đã gửi: các thao tác được mô tả tại /docs
refused-other = Yêu cầu bị từ chối (HTTP { $status })
request-timeout = Nội dung yêu cầu không đến kịp trong { $seconds } giây: hãy gửi lại trọn vẹn
precondition-failed = `If-Match` không khớp phiên bản hiện tại: bản ghi đã được sửa sau khi bạn đọc (`ETag` hiện nay là "{ $current }"). Hãy đọc lại, áp dụng thay đổi của bạn lên nội dung mới và gửi `ETag` đó trong `If-Match`
precondition-failed-form = `If-Match` phải là `ETag` đúng như tiêu đề `ETag` đã trả về: một thẻ mạnh đặt trong dấu ngoặc kép, ví dụ `If-Match`: "{ $current }" (không phải một con số trần, không phải thẻ yếu W/"…")
precondition-required = Hãy gửi `If-Match` kèm `ETag` của phiên bản mà thay đổi này dựa trên (tiêu đề `ETag` khi `GET` bản ghi)
payload-too-large = Nội dung yêu cầu lớn hơn { $limit } byte
fields-invalid = Có { $count } trường chưa hợp lệ
too-many-requests = Mã truy cập này chỉ được gửi { $per_minute } yêu cầu mỗi phút: hãy thử lại sau { $wait } giây
not-acceptable = Tài nguyên này chỉ có ở định dạng { $available }
method-not-allowed = Không dùng được phương thức { $method } ở đây; các phương thức được phép: { $allow }
internal = Dịch vụ gặp lỗi khi xử lý yêu cầu; lỗi đã được ghi lại để khắc phục

## Cơ sở dữ liệu

db-concurrent-change = Một thay đổi khác diễn ra cùng lúc đã chen vào; hãy gửi lại yêu cầu
db-busy = Cơ sở dữ liệu đang bận; hãy gửi lại yêu cầu
db-full = Cơ sở dữ liệu đã hết dung lượng; hãy thử lại sau
db-cannot-write = Cơ sở dữ liệu không ghi được; hãy thử lại sau
db-read-only = Cơ sở dữ liệu đang ở chế độ chỉ đọc; hãy thử lại sau
db-shutting-down = Cơ sở dữ liệu đang tắt; hãy gửi lại yêu cầu
db-starting = Cơ sở dữ liệu đang khởi động; hãy gửi lại yêu cầu
db-no-free-connection = Không còn kết nối cơ sở dữ liệu nào rảnh; hãy gửi lại yêu cầu
db-connection-lost = Mất kết nối tới cơ sở dữ liệu; hãy gửi lại yêu cầu
already-exists = Đã có bản ghi trùng khóa duy nhất này
referenced = Thay đổi này sẽ làm đứt liên kết giữa các bản ghi
noun-resource = bản ghi
db-not-connected = Không lấy được kết nối cơ sở dữ liệu trong { $seconds } giây: { $reason }
db-migrations-pending = Cơ sở dữ liệu chưa được cập nhật cấu trúc: hãy chạy `khuyenhoc migrate` hoặc khởi động lại dịch vụ
db-not-ready = Cơ sở dữ liệu chưa sẵn sàng; hãy thử lại sau ít phút
db-no-answer = Cơ sở dữ liệu không phản hồi trong vòng một giây
db-transaction-ended = Cơ sở dữ liệu đã hủy giao dịch; không phần nào của lần ghi này được lưu: hãy gửi lại
disk-read-only = Hệ thống tệp chứa cơ sở dữ liệu ({ $dir }) đang ở chế độ chỉ đọc
disk-full = Ổ đĩa chứa cơ sở dữ liệu đã đầy: chỉ còn { $free } byte trống ở { $dir }, dưới mức { $needed } byte dịch vụ cần để ghi
expensive-work-busy = Đang xử lý { $count } yêu cầu nặng (báo cáo, xuất dữ liệu); hãy thử lại sau ít phút

## Nội dung, trường và tham số

content-type-missing = Thiếu `Content-Type`: hãy gửi nội dung với `Content-Type`: `application/json` (với `PATCH` cũng nhận `application/merge-patch+json`)
content-type-json = Không nhận `Content-Type` "{ $sent }": hãy gửi nội dung với `Content-Type`: `application/json` (với `PATCH` cũng nhận `application/merge-patch+json`)
body-not-json = Nội dung gửi lên không phải JSON hợp lệ (dòng { $line }, cột { $column }): hãy gửi một giá trị JSON đúng lược đồ của thao tác
body-unreadable = Không đọc được nội dung yêu cầu: hãy gửi lại
member-unknown = Không có trường này: các trường hợp lệ là { $allowed }
member-unknown-none = Không có trường này: đối tượng này không nhận trường nào
member-required = Bắt buộc: hãy gửi trường này
member-not-null = Bắt buộc: không được để `null`; muốn giữ nguyên giá trị thì đừng gửi trường này
member-twice = Trường này xuất hiện hai lần: chỉ gửi một lần
value-not-allowed = "{ $sent }" không phải giá trị được phép: hãy gửi một trong các giá trị { $allowed }
value-wrong-type = Phải là { $expected }, không phải { $sent }
value-wrong = Phải là { $expected }
value-not-an-id = Phải là một id: id là UUID, ví dụ 0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b
value-not-a-date = Phải là ngày dạng `YYYY-MM-DD` (ngày giờ dạng `2026-12-05T08:30:00Z`)
value-wrong-length = Số phần tử không đúng như lược đồ quy định
value-not-documented = Không đúng kiểu hoặc dạng mà tài liệu OpenAPI (/docs) quy định cho trường này
json-boolean = giá trị `true/false`
json-number = một số
json-string = một chuỗi ký tự
json-array = một mảng
json-object = một đối tượng
json-null = `null`
json-value = một giá trị khác
expect-whole-number = một số nguyên
expect-whole-number-range = một số nguyên từ { $min } đến { $max }
expect-number = một số
expect-string = một chuỗi ký tự (chuỗi JSON)
expect-boolean = true hoặc false
expect-array = một mảng
expect-object = một đối tượng JSON
expect-id = một id (UUID)
expect-fraction-or-target = một tỉ lệ từ 0 đến 1, hoặc "target"
expect-documented = đúng kiểu mà tài liệu OpenAPI (/docs) quy định cho trường này
parameter-control-characters = Không được chứa ký tự điều khiển
parameter-unknown = Thao tác này không có tham số này; các tham số hợp lệ: { $allowed }
parameter-unknown-none = Thao tác này không nhận tham số nào
parameter-required = Tham số này là bắt buộc
sort-unknown = Không sắp xếp được theo "{ $sent }": hãy dùng một hoặc nhiều trong số { $allowed }, cách nhau bằng dấu phẩy; thêm '-' phía trước để sắp xếp giảm dần
sort-twice = `{ $field }` được nêu hai lần
page-size = Phải từ 1 đến { $max }
page-token-foreign = Đây không phải mã trang do danh sách này cấp: hãy gửi đúng `next_page_token` của trang trước
page-token-other-list = Mã trang này được cấp cho bộ lọc hoặc cách sắp xếp khác; hãy bắt đầu lại, không gửi `page_token`
noun-path-resource = tài nguyên mà đường dẫn nêu
not-found-not-an-id-search = Không tìm thấy bản ghi: "{ $sent }" không phải là id. Id là UUID (ví dụ 0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b); muốn tìm bản ghi theo mã hoặc tên, hãy tra { $search }
not-found-not-an-id = Không tìm thấy bản ghi: "{ $sent }" không phải là id. Id là UUID (ví dụ 0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b); danh sách tại { $list } cho biết id của từng bản ghi

## Văn bản

too-long = Tối đa { $max } ký tự (hiện có { $length })
too-long-plain = Tối đa { $max } ký tự
invalid-characters = Không được chứa ký tự điều khiển, ký tự ẩn hoặc ký tự đổi chiều văn bản (gặp { $found })
text-empty = Không được để trống
invalid-phone = Phải là số điện thoại: 3 đến 15 chữ số, có thể có dấu cách, '.', '-', '(', ')' và dấu '+' ở đầu
invalid-code = Phải gồm 1 đến { $max } ký tự: chữ cái Latin không dấu, chữ số, '.', '_' hoặc '-', bắt đầu bằng chữ cái hoặc chữ số
association-id-unknown = Không có hội nào mang id này

## Đăng nhập và quyền hạn

token-missing = Hãy gửi mã truy cập API, hoặc access token của nhà cung cấp định danh, dạng `Authorization: Bearer <credential>`
token-unknown = Mã truy cập không tồn tại: hãy kiểm tra đã sao chép đủ chưa, hoặc đề nghị quản trị viên cấp mã mới
token-revoked = Mã truy cập đã bị thu hồi: hãy đề nghị quản trị viên cấp mã mới
token-expired = Mã truy cập đã hết hạn: hãy đề nghị quản trị viên cấp mã mới
user-not-registered = Nhà cung cấp định danh đã xác nhận bạn, nhưng chưa có người dùng nào của hệ thống gắn với định danh này: hãy đề nghị quản trị viên của hội thêm bạn
user-deactivated = Tài khoản của bạn đã bị khóa: hãy liên hệ quản trị viên của hội
role-cannot-edit = Vai trò { $role } chỉ được xem, không được sửa: hãy đề nghị cấp quyền biên tập hoặc quản trị
admin-only = Chỉ quản trị viên mới được làm việc này
too-many-failed-authentications = Có { $count } lần xác thực sai từ địa chỉ này trong một phút: hãy chờ { $wait } giây rồi gửi thông tin xác thực đúng
oidc-not-configured = Hệ thống này không nhận token OpenID Connect (chưa cấu hình `OIDC_ISSUER_URL`): hãy dùng mã truy cập API
oidc-not-a-jwt = Bearer token không phải JWT ký bằng RS256, ES256 hoặc EdDSA: hãy gửi đúng access token do nhà cung cấp định danh cấp
oidc-algorithm = Không nhận token ký bằng { $algorithm }: chỉ nhận RS256, ES256 hoặc EdDSA
oidc-no-kid = Token không nêu khóa ký (`kid`)
oidc-unknown-kid = Không biết khóa ký "{ $kid }" nào của nhà cung cấp định danh
oidc-key-algorithm = Khóa "{ $kid }" dùng thuật toán { $verifies }, không phải { $algorithm }
oidc-expired = Access token đã hết hạn: hãy làm mới token hoặc đăng nhập lại
oidc-not-yet-valid = Access token chưa đến thời điểm có hiệu lực (`nbf`): hãy kiểm tra đồng hồ hoặc chờ giây lát
oidc-audience = Access token này không dành cho hệ thống: hãy xin nhà cung cấp token có `aud` là "{ $audience }"
oidc-issuer = Access token không do nhà cung cấp định danh mà hệ thống tin cậy cấp ({ $issuer })
oidc-signature = Chữ ký của access token không hợp lệ: token đã bị sửa, hoặc không do nhà cung cấp ký
oidc-missing-claim = Access token thiếu `{ $claim }`
oidc-unreadable = Không đọc được access token: hãy gửi nguyên như nhà cung cấp đã cấp
oidc-keys-unavailable = Không lấy được khóa ký của nhà cung cấp định danh; hãy thử lại sau giây lát

## Bản ghi và các bản ghi phụ thuộc

noun-citizen = công dân
noun-unit = đơn vị học tập
noun-statistics = số liệu thống kê
noun-target = chỉ tiêu
noun-community = cộng đồng học tập
noun-household = gia đình
noun-clan = dòng họ
reference-unknown = Không tìm thấy { $what } có id này trong phạm vi bạn được xem
reference-outside-area = Không thể chọn { $what } này: nó thuộc một hội không phải hội này, cũng không phải hội cấp trên của hội này
done-deleted = xóa
done-moved-commune = chuyển sang xã khác
done-moved-association = chuyển sang hội khác
households-name-it = Có { $count } gia đình đang gắn với bản ghi này nên chưa thể { $done }: hãy sửa các gia đình đó trước
clans-name-it = Có { $count } dòng họ đang gắn với bản ghi này nên chưa thể { $done }: hãy sửa các dòng họ đó trước
association-has-households = Có { $count } gia đình đăng ký tại hội: hãy chuyển hoặc xóa các gia đình đó trước
association-has-clans = Có { $count } dòng họ đăng ký tại hội: hãy chuyển hoặc xóa các dòng họ đó trước
association-has-citizens = Có { $count } công dân sống trên địa bàn của hội: hãy chuyển hoặc xóa các công dân đó trước
association-has-units = Có { $count } đơn vị học tập thuộc hội: hãy chuyển hoặc xóa các đơn vị đó trước
association-has-communities = Có { $count } cộng đồng học tập (thôn, tổ dân phố) thuộc hội: hãy chuyển hoặc xóa các cộng đồng đó trước
association-has-users = Có { $count } người dùng đang làm việc cho hội: hãy chuyển, hoặc khóa rồi xóa các tài khoản đó trước
association-has-statistics = Có { $count } số liệu thống kê hằng năm hoặc chỉ tiêu thuộc hội: đó là lịch sử của hội nên hội được giữ lại (hãy chuyển hội sang trạng thái giải thể)
user-in-audit-trail = Nhật ký kiểm tra có { $count } sự kiện ghi tên người dùng này: hãy khóa tài khoản bằng {"{"}"active": false{"}"} thay vì xóa

## Danh sách, dòng thay đổi, khóa lặp (idempotency)

cursor-invalid = Phải là một `next_cursor` hoặc con trỏ đầu: một số thập phân
idempotency-key-form = Phải gồm 1 đến 255 ký tự ASCII nhìn thấy được (ví dụ một UUID)
idempotency-not-supported = Kết quả tạo mã truy cập mới chứa mã bí mật, vốn không bao giờ được lưu lại: hãy gửi lại mà không kèm khóa này
idempotency-key-reused = `Idempotency-Key` này đã được gửi kèm một nội dung hoặc tham số khác: hãy dùng khóa mới cho yêu cầu mới
idempotency-in-flight = Một yêu cầu mang `Idempotency-Key` này vẫn đang được xử lý; hãy thử lại sau giây lát
idempotency-answer-lost = Yêu cầu mang `Idempotency-Key` này đã được thực hiện nhưng kết quả không được lưu: hãy đọc lại bản ghi
audit-admins-editors = Nhật ký kiểm tra chỉ dành cho quản trị viên và biên tập viên
to-before-from = Không được trước mốc `from`

## Số liệu và năm

year-range = Phải là năm từ { $min } đến { $max }
count-range = Phải là số nguyên từ { $min } đến { $max }
association-required = Hãy nêu hội (`association_id`)
members-above-population = Số hội viên ({ $members }) không thể vượt quá dân số ({ $population })
households-above-population = Số hộ gia đình ({ $households }) không thể nhiều hơn số dân ({ $population })
target-range = Chỉ tiêu { $metric } phải từ 0 đến { $max }
max-below-min = Không được nhỏ hơn `min_value`

## Công dân, đơn vị, cộng đồng, gia đình, dòng họ

national-id-form = Số định danh cá nhân (số căn cước) gồm đúng 12 chữ số
national-id-taken = Đã có công dân mang số định danh này (mỗi người chỉ được ghi nhận một lần): hãy kiểm tra lại số, hoặc đề nghị quản trị viên chuyển hồ sơ đã có
external-id-taken = Đã có công dân khác mang `external_id` này
unit-code-taken = Đã có đơn vị học tập khác mang mã này
unit-code-taken-named = Đã có đơn vị học tập khác mang mã "{ $code }"
household-code-taken = Đã có gia đình khác của hội mang mã này
household-code-taken-named = Đã có gia đình khác của hội mang mã "{ $code }"
community-code-taken = Đã có cộng đồng học tập khác của xã mang mã này
community-code-taken-named = Đã có cộng đồng học tập khác của xã mang mã "{ $code }"
community-not-commune = Cộng đồng học tập (thôn, tổ dân phố) phải thuộc hội cấp xã: hãy nêu hội xã
statistics-year-taken = Hội đã có số liệu thống kê của năm này: hãy sửa bằng `PATCH`
statistics-year-taken-named = Hội đã có số liệu thống kê năm { $year }: hãy sửa bằng `PATCH`
noun-statistics-of = số liệu thống kê năm { $year }
target-taken = Hội đã có chỉ tiêu này cho năm này: hãy sửa chỉ tiêu đã có
target-taken-named = Hội đã có chỉ tiêu { $metric } cho năm { $year }: hãy sửa chỉ tiêu đã có
association-code-taken = Đã có hội khác mang mã này
edition-taken = Bộ tiêu chí đã có phiên bản (edition) này
criterion-code-taken = Bộ tiêu chí đã có một tiêu chí mang mã này
assessment-taken = Đối tượng này đã được đánh giá theo bộ tiêu chí này cho kỳ này

## Hội và cây tổ chức

noun-association = hội
level-central = Trung ương Hội
level-province = hội cấp tỉnh
level-district = hội cấp huyện
level-commune = hội cấp xã
level-branch = chi hội
level-any = hội
date-range = Phải là ngày từ { $min } đến { $max }
dissolved-before-founded = Không được trước ngày thành lập (`founded_on`)
successor-not-dissolved = Chỉ hội đã giải thể (có `dissolved_on`) mới có hội kế tục
invalid-email = Không phải địa chỉ thư điện tử hợp lệ
tree-kept-changing = Cây tổ chức hội liên tục thay đổi trong lúc yêu cầu chờ xử lý; hãy gửi lại
scope-root-move = Không thể chuyển chính hội là gốc phạm vi quyền của bạn
association-has-children = Hội còn { $count } hội cấp dưới: hãy chuyển hoặc xóa các hội đó trước
association-is-successor = Có { $count } hội đã giải thể nhận hội này là hội kế tục
association-changed-meanwhile = Hội vừa được một yêu cầu khác sửa đổi: hãy đọc lại rồi thử lại
root-needs-whole-tree = Muốn đặt hội ở gốc cây tổ chức cần quyền trên toàn bộ cây
move-cycle = Không thể chuyển một hội về dưới chính nó hoặc dưới hội cấp dưới của nó
parent-dissolved = Hội cấp trên đã giải thể và không nhận thêm hội cấp dưới; hãy dùng hội kế tục
level-order = { $parent } không thể là cấp trên của { $child }: cấp của hội cấp trên phải cao hơn hẳn cấp của hội cấp dưới
level-order-children = Hội đang có { $child } là hội cấp dưới nên không thể trở thành { $level }
successor-self = Hội không thể là hội kế tục của chính mình
association-code-taken-named = Đã có hội khác mang mã "{ $code }"

## Bộ tiêu chí và tiêu chí

noun-criteria-set = bộ tiêu chí
noun-criterion = tiêu chí
subject-province = tỉnh
subject-district = huyện
subject-commune = xã
subject-unit = đơn vị học tập
subject-citizen = công dân học tập
subject-family = gia đình học tập
subject-clan = dòng họ học tập
subject-community = cộng đồng học tập
set-status-draft = bản dự thảo
set-status-published = đã ban hành
set-status-retired = đã hết hiệu lực
valid-to-before-from = Không được trước `valid_from`
band-rating-twice = Mỗi mức xếp loại chỉ có một khung điểm
named-twice = Bị nêu hai lần
min-score-range = Phải từ 0 đến `max_score`
criterion-level = Phải là 1 hoặc 2
set-needs-criterion = Bộ tiêu chí cần ít nhất một tiêu chí
set-needs-band = Bộ tiêu chí chấm theo khung điểm (`points_bands`) cần ít nhất một khung
band-not-met = `not_met` (chưa đạt) là phần dưới mọi khung: đừng đưa vào danh sách khung
band-needs-min = Khung điểm cần có `min_score`
bands-not-decreasing = Các khung được liệt kê từ `min_score` cao nhất trở xuống, khung sau thấp hơn hẳn khung trước
band-unreachable = Không thể đạt được: tổng điểm tối đa của các tiêu chí chỉ là { $total }
criterion-needs-level = Mỗi tiêu chí của bộ chấm theo mức phải nêu mức (1 hoặc 2) cần đạt
not-measurable = Chỉ số { $measure } không đo được cho { $kind }
edition-taken-named = Bộ tiêu chí "{ $code }" đã có phiên bản "{ $edition }"
set-frozen = Bộ tiêu chí { $status }: bộ và các tiêu chí không thể sửa nữa; hãy tạo phiên bản mới (`POST` /api/v1/criteria-sets/{ $id }/editions) rồi sửa phiên bản đó
set-kept = Bộ tiêu chí { $status } được lưu giữ: hãy cho hết hiệu lực thay vì xóa
set-not-published = Chỉ bộ tiêu chí đã ban hành mới có thể cho hết hiệu lực; bộ này đang ở trạng thái { $status }
criterion-code-taken-named = Bộ tiêu chí đã có một tiêu chí mang mã "{ $code }"
too-many-criteria = Một bộ có tối đa { $max } tiêu chí
threshold-without-measure = Chỉ đặt ngưỡng (`threshold`) khi tiêu chí có chỉ số đo (`measure`)
threshold-required = Tiêu chí đo tự động cần ngưỡng: một tỉ lệ từ 0 đến 1, hoặc "target"
no-target-metric = Không đặt chỉ tiêu cho { $measure }: hãy cho một tỉ lệ
fraction-range = Phải từ 0 đến 1

## Đánh giá

noun-assessment = bản đánh giá
assessment-status-draft = bản nháp
assessment-status-submitted = đã gửi lên
assessment-status-approved = đã phê duyệt
subject-id-unknown = Không có đối tượng nào thuộc loại này mang id này
level-mismatch = Hội này là { $level }, không phải { $kind }
criteria-set-id-unknown = Không có bộ tiêu chí nào mang id này
set-not-published-for-assessment = Bộ tiêu chí đang ở trạng thái { $status }: chỉ đánh giá theo bộ tiêu chí đã ban hành
set-mismatch = Bộ tiêu chí này dùng để đánh giá { $assesses }, không phải { $sent }
assessment-taken-named = Đối tượng này đã được đánh giá theo bộ tiêu chí này cho năm { $period }
assessment-status = Bản đánh giá đang ở trạng thái { $status }, không phải { $needed }
review-not-above = Chỉ biên tập viên hoặc quản trị viên của hội cấp trên đối tượng được đánh giá mới thẩm định bản đánh giá này
review-note-required = Hãy ghi rõ lý do trả lại bản đánh giá
has-assessments = Có { $count } bản đánh giá gắn với { $what }: các bản đánh giá được lưu giữ nên bản ghi này cũng được giữ
criterion-unknown = Bộ tiêu chí không có tiêu chí "{ $code }"
result-twice = Tiêu chí "{ $code }" đã có kết quả
score-range = Phải từ 0 đến { $max } với tiêu chí { $code }
result-missing = Chưa có kết quả cho tiêu chí { $code }

## Nhập dữ liệu

row-not-object = Mỗi dòng phải là một đối tượng JSON
line-not-utf8 = Dòng { $line } không phải văn bản UTF-8: hãy lưu tệp ở dạng UTF-8
csv-header-unreadable = Không đọc được dòng tiêu đề dạng CSV
csv-line-unreadable = Không đọc được dòng này dạng CSV: hãy kiểm tra các dấu ngoặc kép
csv-field-count = Dòng này có { $fields } cột, dòng tiêu đề có { $columns }: hãy kiểm tra dấu phẩy và dấu ngoặc kép
csv-unknown-column = Dòng tiêu đề có cột "{ $column }", không phải trường nào của bản ghi: { $columns }
csv-column-twice = Dòng tiêu đề nêu cột "{ $column }" hai lần
content-type-import = Không nhận `Content-Type` "{ $sent }": hãy gửi `application/x-ndjson`, `application/json` hoặc `text/csv`
role-cannot-import = Vai trò { $role } chỉ được xem, không được nhập dữ liệu: hãy đề nghị cấp quyền biên tập hoặc quản trị
import-rejected = { $rejected } trên { $total } dòng bị từ chối; nhập nguyên khối (atomic) chỉ ghi khi mọi dòng đều hợp lệ, nên chưa dòng nào được ghi
import-exists = Đã có bản ghi mang id hoặc khóa này (`strategy=create`)
import-association-fixed = Bản ghi đã lưu thuộc một hội khác và vẫn thuộc hội đó
import-version-form = Phải là số nguyên từ 1 trở lên
import-version-conflict = Dòng này dựa trên phiên bản { $version } nhưng bản ghi đã lưu đang ở phiên bản { $stored }: bản ghi đã thay đổi sau khi được xuất ra
import-assessment-immutable = Bộ tiêu chí, đối tượng và kỳ của bản đánh giá giữ nguyên như khi lập: hãy nhập một bản đánh giá khác
expect-association-id = Phải là id của một hội
expect-association-code = Phải là mã của một hội
association-code-unknown = Không có hội nào mang mã này

## Người dùng và mã truy cập

noun-user = người dùng
noun-token = mã truy cập
user-scope-required = Chỉ quản trị viên mới được phụ trách toàn bộ cây tổ chức: hãy nêu hội mà người dùng làm việc
too-many-identities = Tối đa { $max } định danh
identity-twice = Một định danh bị nêu hai lần
identity-issuer-form = Địa chỉ issuer của nhà cung cấp định danh (https://…, tối đa { $max } ký tự), đúng như trường `iss` trong token
identity-subject-form = Từ 1 đến { $max } ký tự, không có ký tự điều khiển, đúng như trường `sub` trong token
user-whole-tree = Người dùng phụ trách toàn bộ cây tổ chức chỉ do quản trị viên toàn cây tạo
identity-taken = Định danh "{ $subject }" của { $issuer } đã đăng nhập dưới một người dùng khác: hãy gỡ định danh ở người dùng đó trước
user-in-audit-trail-any = Nhật ký kiểm tra có ghi tên người dùng này: hãy khóa tài khoản bằng {"{"}"active": false{"}"} thay vì xóa
must-be-future = Phải là một thời điểm trong tương lai
token-scope-required = Chỉ mã truy cập quản trị mới được phủ toàn bộ cây tổ chức: hãy nêu hội mà mã phục vụ
token-whole-tree = Mã truy cập cho toàn bộ cây tổ chức phải do người có quyền trên toàn cây cấp

## Sổ tính: trang tính và tiêu đề cột

sheet-membership = Hội viên
sheet-assessments = Kết quả đánh giá
sheet-learning-district = Huyện học tập
sheet-trend = Diễn biến
column-row = Dòng
column-association-id = Id của hội
column-association-code = Mã hội
column-association-name = Hội
column-level = Cấp
column-year = Năm
column-period = Kỳ đánh giá
column-reporting-count = Số hội có báo cáo
column-association-count = Số hội
column-member-count = Số hội viên
column-population = Dân số
column-households = Số hộ
column-branch-count = Số chi hội
column-fund-raised-vnd = Quỹ vận động (đồng)
column-scholarship-count = Số suất học bổng
column-scholarship-value-vnd = Giá trị học bổng (đồng)
column-membership-ratio = Tỉ lệ hội viên / dân số
column-target-metric = Chỉ tiêu theo dõi
column-target-year = Năm chỉ tiêu
column-target-min-value = Chỉ tiêu (mức thấp)
column-target-max-value = Chỉ tiêu (mức cao)
column-target-gap-to-min = Còn thiếu so với chỉ tiêu
column-target-status = So với chỉ tiêu
column-criteria-set-code = Bộ tiêu chí
column-criteria-set-edition = Phiên bản
column-assessment-count = Số bản đánh giá
column-draft = Bản nháp
column-submitted = Đã gửi lên
column-approved = Đã phê duyệt
column-excellent = Tốt
column-good = Khá
column-fair = Trung bình
column-not-met = Chưa đạt
column-assessed-count = Số đã đánh giá
column-recognised-count = Số được công nhận
column-recognised-ratio = Tỉ lệ được công nhận
column-good-or-above-ratio = Tỉ lệ Khá trở lên
column-subject-count = Số đối tượng
column-subject-count-source = Nguồn số đối tượng
column-registered-count = Số đăng ký
column-recognised-of-registered-ratio = Công nhận / đăng ký
column-recognised-of-all-ratio = Công nhận / tổng số
column-criterion-code = Tiêu chí
column-criterion-title = Nội dung tiêu chí
column-group-name = Nhóm
column-required = Bắt buộc
column-score = Điểm
column-max-score = Điểm tối đa
column-met = Đạt
column-note = Minh chứng, ghi chú
column-measure = Chỉ số đo
column-measured-value = Giá trị đo được
column-threshold = Ngưỡng
column-threshold-source = Nguồn ngưỡng
column-numerator = Tử số
column-denominator = Mẫu số
column-denominator-source = Nguồn mẫu số
column-rating = Xếp loại
column-status = Trạng thái
column-metric = Chỉ số
column-value = Giá trị
sheet-summary = Tổng hợp
summary-criteria-met = Số tiêu chí đạt
summary-criteria-count = Tổng số tiêu chí
summary-made-on = Ngày lập
rating-excellent = Tốt
rating-good = Khá
rating-fair = Trung bình
rating-not-met = Chưa đạt
chart-membership = Tỉ lệ hội viên trên dân số của các hội cấp dưới
chart-assessments = Kết quả đã phê duyệt theo xếp loại: { $set }
chart-trend = Diễn biến { $metric }
chart-about-year = { $association }, năm { $year } · đơn vị: { $unit }
chart-about-years = { $association }, từ năm { $from } đến năm { $to } · đơn vị: { $unit }
chart-actual = Kết quả đạt được
chart-target-year = Chỉ tiêu đến năm { $year }
chart-target-legend = Chỉ tiêu
chart-own-target = chỉ tiêu { $value }
chart-no-data = chưa có số liệu
unit-percent-population = % dân số
unit-percent = %
unit-assessments = số đánh giá đã phê duyệt
unit-criteria = số tiêu chí đạt
metric-membership-ratio = tỉ lệ hội viên trên dân số
metric-recognised-citizen-ratio = tỉ lệ công dân học tập được công nhận
metric-recognised-unit-ratio = tỉ lệ đơn vị học tập được công nhận
metric-communes-good-or-above-ratio = tỉ lệ xã đạt loại Khá trở lên
metric-learning-district-criteria-met = số tiêu chí huyện học tập đạt
metric-recognised-family-ratio = tỉ lệ gia đình học tập được công nhận
metric-recognised-clan-ratio = tỉ lệ dòng họ học tập được công nhận
metric-recognised-community-ratio = tỉ lệ cộng đồng học tập được công nhận
threshold-source-fixed = theo tiêu chí
threshold-source-target = theo chỉ tiêu
threshold-source-no-target = chưa giao chỉ tiêu
print-membership = BÁO CÁO SỐ LƯỢNG HỘI VIÊN TRÊN DÂN SỐ NĂM { $year }
print-learning-district = BÁO CÁO KẾT QUẢ ĐÁNH GIÁ HUYỆN HỌC TẬP NĂM { $year }
print-number = STT
print-total = Tổng cộng
print-score-total = Tổng điểm
print-missing-required = Tiêu chí bắt buộc chưa đạt
print-no-assessment = Năm này chưa có kết quả đánh giá huyện học tập
print-criteria-set = Bộ tiêu chí
print-page = Trang { $page }/{ $pages }
print-place-date = ……………, ngày …… tháng …… năm ……
print-prepared-by = NGƯỜI LẬP BIỂU
print-approved-by = NGƯỜI DUYỆT
print-sign-hint = (Ký, ghi rõ họ tên)
column-id = Id
column-criteria-set-id = Id bộ tiêu chí
column-subject-kind = Loại đối tượng
column-subject-id = Id đối tượng
column-subject-association-id = Id hội của đối tượng
column-assessor-association-id = Id hội đánh giá
column-results = Kết quả từng tiêu chí
column-total-score = Tổng điểm
column-met-count = Số tiêu chí đạt
column-required-met = Đạt các tiêu chí bắt buộc
column-recognised = Được công nhận
column-submitted-at = Thời điểm gửi
column-reviewed-at = Thời điểm duyệt
column-reviewer-note = Ghi chú của người duyệt
column-version = Phiên bản
column-created-at = Thời điểm tạo
column-updated-at = Thời điểm cập nhật
column-code = Mã
column-name = Tên
column-parent-id = Id hội cấp trên
column-ancestor-ids = Id các hội cấp trên
column-depth = Độ sâu trong cây
column-address = Địa chỉ
column-phone = Số điện thoại
column-email = Thư điện tử
column-chair-name = Chủ tịch hội
column-founded-on = Ngày thành lập
column-dissolved-on = Ngày giải thể
column-successor-id = Id hội kế thừa
column-external-id = Mã ngoài
column-full-name = Họ và tên
column-birth-year = Năm sinh
column-gender = Giới tính
column-occupation = Nghề nghiệp
column-national-id = Số định danh cá nhân
column-community-id = Id cộng đồng
column-kind = Loại
column-household-count = Số hộ
column-head-name = Người đứng đầu
column-clan-id = Id dòng họ
column-min-value = Mức thấp
column-max-value = Mức cao
column-staff-count = Số cán bộ, nhân viên

## Webhooks
noun-webhook = đăng ký webhook
noun-delivery = lần gửi
webhook-role = Vai trò { $role } không được quản lý webhook: hãy đề nghị quyền quản trị hoặc quyền tích hợp
webhook-whole-tree = Chỉ người có quyền trên toàn cây tổ chức mới đăng ký được toàn cây: hãy nêu hội mà đăng ký bao quát
webhook-not-active = Đăng ký đang ở trạng thái { $status }: hãy tiếp tục (resume) trước
webhook-events-empty = Hãy nêu ít nhất một loại sự kiện, hoặc "*" cho tất cả
webhook-event-unknown = "{ $sent }" không phải loại sự kiện: dùng "*", "<loại>.*" hoặc "<loại>.upsert" / "<loại>.delete" với một loại của luồng thay đổi
too-many-items = Tối đa { $max } mục
webhook-url-invalid = Phải là một URL https:// đầy đủ
webhook-url-not-https = Phải là https://: sự kiện mang dữ liệu của hội
webhook-url-credentials = Không được chứa tên người dùng hay mật khẩu: chữ ký đã xác thực bên gửi
webhook-url-not-public = { $address } không phải địa chỉ công khai: webhook chỉ được gửi ra Internet
webhook-url-local-name = { $host } chỉ máy này hoặc mạng nội bộ của nó: webhook chỉ được gửi ra Internet
association-has-webhooks = Có { $count } đăng ký webhook đang bao quát hội này: hãy xóa hoặc chuyển chúng sang hội khác trước

//! The built-in templates of `domain.md`, seeded (published) into every
//! database after its migrations. Each says in its description that it is a
//! template: a province replaces one by publishing its own edition, never by
//! editing the template.

use super::measure::{Measure, NamedThreshold, Threshold};
use super::model::seed_template;
use super::rules::{CriterionFields, SetFields, SubjectKind, DEFAULT_RECOGNISED};
use super::scoring::{Band, Rating, ScoringMethod};
use crate::db::DbConnection;
use crate::error::ApiError;

fn band(rating: Rating, label: &str, min_score: Option<i32>) -> Band {
    Band {
        rating,
        label: label.to_owned(),
        min_score,
    }
}

#[allow(clippy::too_many_arguments)]
fn criterion(
    code: &str,
    title: &str,
    group: &str,
    position: i32,
    max_score: i32,
    min_score: Option<i32>,
    required: bool,
    level: Option<i32>,
) -> CriterionFields {
    CriterionFields {
        code: code.to_owned(),
        title: title.to_owned(),
        description: None,
        group: Some(group.to_owned()),
        position,
        max_score,
        min_score,
        required,
        level,
        evidence_hint: None,
        measure: None,
        threshold: None,
    }
}

#[allow(clippy::too_many_arguments)]
fn set(
    code: &str,
    edition: &str,
    name: &str,
    description: &str,
    subject_kind: SubjectKind,
    legal_basis: &str,
    valid_from: i32,
    scoring_method: ScoringMethod,
    bands: Vec<Band>,
) -> SetFields {
    SetFields {
        code: code.to_owned(),
        edition: edition.to_owned(),
        name: name.to_owned(),
        description: Some(description.to_owned()),
        subject_kind,
        issued_by: Some("Hội Khuyến học Việt Nam".to_owned()),
        legal_basis: Some(legal_basis.to_owned()),
        valid_from: Some(valid_from),
        valid_to: None,
        scoring_method,
        bands,
        recognised_ratings: DEFAULT_RECOGNISED.to_vec(),
    }
}

const TEMPLATE_NOTE: &str =
    "Template shipped with khuyenhoc, to be replaced by an official edition: \
copy it with POST /api/v1/criteria-sets/{id}/editions, adjust, publish.";

fn citizen() -> (SetFields, Vec<CriterionFields>) {
    let groups = [
        ("Tự học và học tập suốt đời", 4),
        ("Sử dụng công cụ tương tác, kỹ năng số", 4),
        ("Xây dựng quan hệ xã hội", 2),
    ];
    let mut criteria = Vec::new();
    for (group, count) in groups {
        for _ in 0..count {
            let n = criteria.len() + 1;
            criteria.push(criterion(
                &format!("CD{n:02}"),
                &format!("Chỉ số {n}"),
                group,
                n as i32,
                10,
                Some(5),
                false,
                None,
            ));
        }
    }
    let fields = set(
        "citizen",
        "2022",
        "Công dân học tập",
        &format!(
            "{TEMPLATE_NOTE} 10 indicators in 3 competency groups, each scored 0–10; recognised at 80 points \
             or more with no indicator below 5 (criteria 324/QĐ-KHVN). The indicators' wording is to be \
             taken from the official text."
        ),
        SubjectKind::Citizen,
        "677/QĐ-TTg; 324/QĐ-KHVN",
        2022,
        ScoringMethod::PointsBands,
        vec![band(Rating::Good, "Đạt", Some(80))],
    );
    (fields, criteria)
}

fn unit() -> (SetFields, Vec<CriterionFields>) {
    let criteria = vec![
        criterion(
            "DV1",
            "Điều kiện bảo đảm",
            "Điều kiện",
            1,
            30,
            None,
            false,
            None,
        ),
        criterion(
            "DV2",
            "Kết quả học tập của thành viên",
            "Kết quả học tập",
            2,
            30,
            None,
            false,
            None,
        ),
        criterion(
            "DV3",
            "Tác động của việc học tập",
            "Tác động",
            3,
            40,
            None,
            false,
            None,
        ),
    ];
    let fields = set(
        "unit",
        "2020",
        "Đơn vị học tập",
        &format!(
            "{TEMPLATE_NOTE} 100 points in 3 groups (conditions 30, members' learning results 30, \
             effects 40); Tốt ≥ 85, Khá 70–84, Trung bình 50–69, else Chưa đạt (Circular 22/2020)."
        ),
        SubjectKind::Unit,
        "22/2020/TT-BGDĐT",
        2020,
        ScoringMethod::PointsBands,
        vec![
            band(Rating::Excellent, "Tốt", Some(85)),
            band(Rating::Good, "Khá", Some(70)),
            band(Rating::Fair, "Trung bình", Some(50)),
        ],
    );
    (fields, criteria)
}

fn commune() -> (SetFields, Vec<CriterionFields>) {
    let headings = [
        (
            "XA1",
            "Công tác lãnh đạo, chỉ đạo xây dựng xã hội học tập",
            1,
        ),
        ("XA2", "Điều kiện bảo đảm cho học tập suốt đời", 1),
        (
            "XA3",
            "Kết quả xóa mù chữ, phổ cập giáo dục và học tập của người dân",
            1,
        ),
        ("XA4", "Phong trào xây dựng các mô hình học tập", 2),
        (
            "XA5",
            "Tác động của học tập đến đời sống kinh tế, văn hóa, xã hội",
            2,
        ),
    ];
    let criteria = headings
        .iter()
        .enumerate()
        .map(|(i, (code, title, level))| {
            criterion(
                code,
                title,
                "Tiêu chí",
                i as i32 + 1,
                1,
                None,
                false,
                Some(*level),
            )
        })
        .collect();
    let fields = set(
        "learning-community-commune",
        "2023",
        "Cộng đồng học tập cấp xã",
        &format!(
            "{TEMPLATE_NOTE} The 5 criteria headings of the commune framework as best read (Circular \
             25/2023: 5 criteria, 15 indicators); level 1 (Khá) needs criteria 1–3, level 2 (Tốt) all 5. \
             These thresholds are part of the template, not a fact."
        ),
        SubjectKind::Commune,
        "25/2023/TT-BGDĐT",
        2023,
        ScoringMethod::Levels,
        vec![band(Rating::Excellent, "Tốt", None), band(Rating::Good, "Khá", None)],
    );
    (fields, criteria)
}

/// The 19 criteria of the learning-district pilot, in three groups.
pub const LEARNING_DISTRICT_CRITERIA: [(&str, &str); 19] = [
    (
        "Điều kiện",
        "Huyện ủy, UBND huyện ban hành và thực hiện kế hoạch xây dựng xã hội học tập",
    ),
    (
        "Điều kiện",
        "Ban chỉ đạo xây dựng xã hội học tập hoạt động ở cấp huyện và ở mọi xã",
    ),
    (
        "Điều kiện",
        "Hội Khuyến học huyện có tổ chức hội ở 100 % xã",
    ),
    (
        "Điều kiện",
        "Kinh phí hằng năm hỗ trợ công tác xây dựng xã hội học tập",
    ),
    (
        "Điều kiện",
        "Mọi xã có trung tâm học tập cộng đồng hoạt động",
    ),
    ("Điều kiện", "Thư viện hoặc không gian đọc phục vụ mọi xã"),
    ("Điều kiện", "Quỹ khuyến học tăng năm sau cao hơn năm trước"),
    (
        "Kết quả học tập",
        "Số hội viên đạt tỷ lệ mục tiêu so với dân số",
    ),
    (
        "Kết quả học tập",
        "Gia đình học tập đạt tỷ lệ mục tiêu của chương trình",
    ),
    ("Kết quả học tập", "Dòng họ học tập đạt tỷ lệ mục tiêu"),
    (
        "Kết quả học tập",
        "Cộng đồng học tập thôn, tổ dân phố đạt tỷ lệ mục tiêu",
    ),
    ("Kết quả học tập", "Đơn vị học tập đạt tỷ lệ mục tiêu"),
    (
        "Kết quả học tập",
        "Công dân học tập được công nhận đạt tỷ lệ mục tiêu trong người lớn",
    ),
    (
        "Kết quả học tập",
        "Mọi xã được đánh giá cộng đồng học tập từ Khá trở lên",
    ),
    (
        "Kết quả học tập",
        "Duy trì chuẩn phổ cập giáo dục và xóa mù chữ",
    ),
    (
        "Kết quả học tập",
        "Người lớn tham gia giáo dục thường xuyên và học kỹ năng số",
    ),
    (
        "Tác động",
        "Học tập góp phần giảm nghèo và phát triển kinh tế địa phương",
    ),
    (
        "Tác động",
        "Đời sống văn hóa và các tiêu chí nông thôn mới được nâng lên",
    ),
    (
        "Tác động",
        "Công tác xây dựng xã hội học tập của huyện được ghi nhận trong thi đua hằng năm",
    ),
];

fn learning_district() -> (SetFields, Vec<CriterionFields>) {
    let criteria = LEARNING_DISTRICT_CRITERIA
        .iter()
        .enumerate()
        .map(|(i, (group, title))| {
            let n = i as i32 + 1;
            // Criteria 1–14 are required for level 1 (Khá); all 19 for level 2 (Tốt).
            let level = if n <= 14 { 1 } else { 2 };
            criterion(
                &format!("TC{n:02}"),
                title,
                group,
                n,
                1,
                None,
                false,
                Some(level),
            )
        })
        .collect();
    let fields = set(
        "learning-district",
        "2021-pilot",
        "Huyện học tập (thí điểm 19 tiêu chí)",
        &format!(
            "{TEMPLATE_NOTE} The 19 criteria of the 2021 learning-district pilot (Yên Bái), grouped as \
             conditions, learning results and effects. The official wording of the pilot is not available \
             to us: this is a reading of it, to be replaced by a province publishing its own edition. \
             Criteria 1–14 are required for level 1 (Khá), all 19 for level 2 (Tốt); these thresholds are \
             part of the template, not a fact."
        ),
        SubjectKind::District,
        "Thí điểm xây dựng huyện học tập (2021)",
        2021,
        ScoringMethod::Levels,
        vec![band(Rating::Excellent, "Tốt", None), band(Rating::Good, "Khá", None)],
    );
    (fields, criteria)
}

/// The measures of criteria 8–14 in the computed edition: each share
/// against the district's own target for the year (every commune Khá or
/// above for criterion 14).
const DISTRICT_MEASURES: [(i32, Measure, Threshold); 7] = [
    (8, Measure::MembershipRatio, TARGET),
    (9, Measure::RecognisedFamilyRatio, TARGET),
    (10, Measure::RecognisedClanRatio, TARGET),
    (11, Measure::RecognisedCommunityRatio, TARGET),
    (12, Measure::RecognisedUnitRatio, TARGET),
    (13, Measure::RecognisedCitizenRatio, TARGET),
    (14, Measure::CommunesGoodOrAboveRatio, Threshold::Value(1.0)),
];

const TARGET: Threshold = Threshold::Named(NamedThreshold::Target);

/// The pilot's 19 criteria with 8–14 measured by the service from its data.
fn learning_district_computed() -> (SetFields, Vec<CriterionFields>) {
    let (mut fields, mut criteria) = learning_district();
    for (n, measure, threshold) in DISTRICT_MEASURES {
        let criterion = &mut criteria[n as usize - 1];
        criterion.measure = Some(measure);
        criterion.threshold = Some(threshold);
    }
    fields.edition = "2021-pilot-computed".to_owned();
    fields.description = Some(format!(
        "{TEMPLATE_NOTE} The 19 criteria of edition 2021-pilot, with criteria 8–14 measured by the \
         service from the district's data for the assessment's year: 8 members over population \
         (yearly statistics), 9 learning families over households, 10 learning clans over clans, \
         11 learning village communities over communities, 12 learning units and 13 learning \
         citizens over those assessed, each against the district's own target for the year \
         (not met without one); 14 every assessed commune rated Khá or above. Criteria 1–14 are \
         required for level 1 (Khá), all 19 for level 2 (Tốt); these thresholds are part of the \
         template, not a fact."
    ));
    (fields, criteria)
}

/// Four groups of points out of 100 (Decision 448/QĐ-KHVN, 2015).
fn family() -> (SetFields, Vec<CriterionFields>) {
    let indicators = [
        (
            "Học tập của trẻ em",
            "Mọi trẻ em trong độ tuổi đi học đều đến trường, hoàn thành phổ cập giáo dục",
        ),
        (
            "Học tập của trẻ em",
            "Kết quả học tập từ trung bình trở lên, hạnh kiểm từ khá trở lên",
        ),
        (
            "Học tập của trẻ em",
            "Trung thực, lễ phép, tích cực tham gia hoạt động ở địa phương",
        ),
        (
            "Học tập của người lớn",
            "Người từ 19 đến 60 tuổi biết chữ từ mức độ 1 trở lên",
        ),
        (
            "Học tập của người lớn",
            "Mỗi người lớn học ít nhất một chuyên đề mỗi năm",
        ),
        (
            "Học tập của người lớn",
            "Người lớn vận dụng điều đã học vào lao động và đời sống",
        ),
        (
            "Điều kiện học tập",
            "Có góc học tập, sách báo cho việc học của các thành viên",
        ),
        (
            "Điều kiện học tập",
            "Dành thời gian và kinh phí cho học tập, tiếp cận thông tin",
        ),
        (
            "Tác động của học tập",
            "Kinh tế gia đình ổn định, không có hộ nghèo do thiếu hiểu biết",
        ),
        (
            "Tác động của học tập",
            "Gia đình văn hóa, hòa thuận, chấp hành tốt pháp luật",
        ),
    ];
    let criteria = indicators
        .iter()
        .enumerate()
        .map(|(i, (group, title))| {
            let n = i as i32 + 1;
            criterion(&format!("GD{n:02}"), title, group, n, 10, None, false, None)
        })
        .collect();
    let fields = set(
        "learning-family",
        "2015",
        "Gia đình học tập",
        &format!(
            "{TEMPLATE_NOTE} Best reading of Decision 448/QĐ-KHVN (2015): 100 points in four groups \
             — children's learning 30 (three indicators of 10), adults' learning 30, learning \
             conditions 20, impact of learning 20. The official wording of the indicators after the \
             first four and the pass mark are not available to us: Tốt at 90 points and Khá at 80 \
             are part of the template, not a fact. Households register for the title each year."
        ),
        SubjectKind::Family,
        "448/QĐ-KHVN",
        2015,
        ScoringMethod::PointsBands,
        vec![
            band(Rating::Excellent, "Tốt", Some(90)),
            band(Rating::Good, "Khá", Some(80)),
        ],
    );
    (fields, criteria)
}

/// The required criterion of a clan or a village community: at least half
/// of its households recognised as learning families in the same year.
fn half_of_households(code: &str, group: &str) -> CriterionFields {
    let mut half = criterion(
        code,
        "Ít nhất 50 % số hộ được công nhận gia đình học tập trong năm",
        group,
        1,
        40,
        None,
        true,
        None,
    );
    half.measure = Some(Measure::MemberHouseholdsRecognisedRatio);
    half.threshold = Some(Threshold::Value(0.5));
    half
}

fn clan() -> (SetFields, Vec<CriterionFields>) {
    let criteria = vec![
        half_of_households("DH01", "Gia đình học tập"),
        criterion(
            "DH02",
            "Có quỹ khuyến học của dòng họ",
            "Điều kiện",
            2,
            20,
            None,
            false,
            None,
        ),
        criterion(
            "DH03",
            "Giúp đỡ các gia đình khó khăn trong dòng họ",
            "Điều kiện",
            3,
            20,
            None,
            false,
            None,
        ),
        criterion(
            "DH04",
            "Không có con em bỏ học",
            "Kết quả học tập",
            4,
            20,
            None,
            true,
            None,
        ),
    ];
    let fields = set(
        "learning-clan",
        "2015",
        "Dòng họ học tập",
        &format!(
            "{TEMPLATE_NOTE} Best reading of Decision 448/QĐ-KHVN (2015): a clan (or one branch) is \
             recognised only when at least 50 % of its households are recognised learning families \
             in the same year (measured by the service from the households that name the clan), \
             with a learning-promotion fund, help for its poor families and no children dropping \
             out. Points and the pass mark (Khá at 80 with DH01 and DH04 met) are part of the \
             template, not a fact."
        ),
        SubjectKind::Clan,
        "448/QĐ-KHVN",
        2015,
        ScoringMethod::PointsBands,
        vec![band(Rating::Good, "Khá", Some(80))],
    );
    (fields, criteria)
}

fn community() -> (SetFields, Vec<CriterionFields>) {
    let criteria = vec![
        half_of_households("TH01", "Gia đình học tập"),
        criterion(
            "TH02",
            "Có điểm sinh hoạt, đọc sách phục vụ cộng đồng",
            "Điều kiện",
            2,
            20,
            None,
            false,
            None,
        ),
        criterion(
            "TH03",
            "Không có người lớn mù chữ, trẻ em bỏ học",
            "Kết quả học tập",
            3,
            20,
            None,
            false,
            None,
        ),
        criterion(
            "TH04",
            "Đời sống văn hóa, an ninh trật tự được nâng lên",
            "Tác động",
            4,
            20,
            None,
            false,
            None,
        ),
    ];
    let fields = set(
        "learning-community-village",
        "2015",
        "Cộng đồng học tập cấp thôn, tổ dân phố",
        &format!(
            "{TEMPLATE_NOTE} Best reading of Decision 448/QĐ-KHVN (2015), whose table is not \
             available to us: a village or residential group is recognised when at least 50 % of \
             its households are recognised learning families in the same year (measured by the \
             service from the households that name the community, or its stated household_count \
             when none is registered), with points for conditions, results and effects. Points and \
             the pass mark (Khá at 80 with TH01 met) are part of the template, not a fact."
        ),
        SubjectKind::Community,
        "448/QĐ-KHVN",
        2015,
        ScoringMethod::PointsBands,
        vec![band(Rating::Good, "Khá", Some(80))],
    );
    (fields, criteria)
}

/// Every built-in template.
fn templates() -> [(SetFields, Vec<CriterionFields>); 8] {
    [
        citizen(),
        unit(),
        commune(),
        learning_district(),
        learning_district_computed(),
        family(),
        clan(),
        community(),
    ]
}

/// Seeds every missing template; returns how many were added.
pub fn seed(conn: &mut DbConnection) -> Result<usize, ApiError> {
    let mut added = 0;
    for (fields, criteria) in templates() {
        if seed_template(conn, fields, criteria)? {
            added += 1;
        }
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::criteria_sets::rules::publish_problems;

    #[test]
    fn every_template_is_valid_and_publishable() {
        for (fields, criteria) in templates() {
            let fields = fields.validated().expect("valid set fields");
            let criteria: Vec<_> = criteria
                .into_iter()
                .map(|c| c.validated().expect("valid criterion"))
                .collect();
            assert!(
                publish_problems(&fields, &criteria).is_empty(),
                "{}",
                fields.code
            );
        }
        assert_eq!(citizen().1.len(), 10);
        assert_eq!(unit().1.iter().map(|c| c.max_score).sum::<i32>(), 100);
        assert_eq!(commune().1.len(), 5);
        let district = learning_district().1;
        assert_eq!(district.len(), 19);
        assert_eq!(district.iter().filter(|c| c.level == Some(1)).count(), 14);
        let computed = learning_district_computed().1;
        let measured: Vec<_> = computed.iter().filter(|c| c.measure.is_some()).collect();
        assert_eq!(measured.len(), 7);
        assert!(measured.iter().all(|c| (8..=14).contains(&c.position)));
        let family = family().1;
        assert_eq!(family.iter().map(|c| c.max_score).sum::<i32>(), 100);
        for (group, points) in [
            ("Học tập của trẻ em", 30),
            ("Học tập của người lớn", 30),
            ("Điều kiện học tập", 20),
            ("Tác động của học tập", 20),
        ] {
            let sum: i32 = family
                .iter()
                .filter(|c| c.group.as_deref() == Some(group))
                .map(|c| c.max_score)
                .sum();
            assert_eq!(sum, points, "{group}");
        }
        for (_, criteria) in [clan(), community()] {
            assert_eq!(criteria.iter().map(|c| c.max_score).sum::<i32>(), 100);
            assert!(criteria[0].required);
            assert_eq!(criteria[0].threshold, Some(Threshold::Value(0.5)));
        }
    }
}

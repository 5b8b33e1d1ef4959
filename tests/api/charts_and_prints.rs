//! Reports drawn and printed: each chart parsed as XML and compared with
//! the JSON report (a bar or point per child or year, the target, names
//! intact), its PNG decoded (its size, not blank), and the printable PDF's
//! text read back (names, criteria, totals, a heading row on every page).

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{assert_problem, TestApp};
use crate::reports::{assess, fixture, id, json_report, set_id, stats, target};

/// A Vietnamese name longer than two lines under its bar: shortened there,
/// whole in its `<title>`.
const LONG_NAME: &str = "Huyện Văn Chấn, tỉnh Yên Bái (vùng cao phía Tây Bắc, khu vực III, gồm các xã đặc biệt khó khăn của Chương trình 135 giai đoạn 2021–2025)";

/// A file form of a report: its type and language checked, its bytes.
async fn file(app: &TestApp, path: &str, accept: &str, language: &str) -> Vec<u8> {
    let response = app
        .request(Method::GET, path)
        .header("Accept", accept)
        .header("Accept-Language", language)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "GET {path} as {accept}");
    assert_eq!(response.headers()["content-type"], accept);
    assert_eq!(response.headers()["content-language"], language);
    let disposition = response.headers()["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("inline; filename="),
        "{disposition}"
    );
    response.bytes().await.unwrap().to_vec()
}

/// A fraction as the Vietnamese chart writes it: `26,1 %`.
fn vi_percent(fraction: f64) -> String {
    let text = format!("{:.1}", fraction * 100.0).replace('.', ",");
    format!("{} %", text.trim_end_matches(",0"))
}

/// The groups of class `class` (bars or points), each with its `<title>`.
fn groups<'a>(doc: &'a roxmltree::Document<'a>, class: &str) -> Vec<roxmltree::Node<'a, 'a>> {
    doc.descendants()
        .filter(|n| n.has_tag_name("g") && n.attribute("class") == Some(class))
        .collect()
}

fn title_of(node: roxmltree::Node) -> String {
    node.children()
        .find(|c| c.has_tag_name("title"))
        .and_then(|t| t.text())
        .unwrap_or_default()
        .to_owned()
}

fn number(node: roxmltree::Node, attribute: &str) -> f64 {
    node.attribute(attribute).unwrap().parse().unwrap()
}

#[actix_web::test]
async fn the_membership_chart_draws_a_bar_per_child_against_the_target() {
    let f = fixture().await;
    let long = f
        .app
        .create_association("08200", LONG_NAME, "district", Some(&f.province))
        .await;
    stats(
        &f.app,
        &long,
        serde_json::json!({"year": 2020, "member_count": 100, "population": 1000}),
    )
    .await;
    let query = format!("association_id={}&year=2020", id(&f.province));
    let report = json_report(&f.app, &format!("/api/v1/reports/membership?{query}")).await;
    let path = format!("/api/v1/reports/membership/chart?{query}");
    let svg = String::from_utf8(file(&f.app, &path, "image/svg+xml", "vi").await).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("a well-formed SVG");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let heading = title_of(doc.root_element());
    assert!(
        heading.contains("Tỉ lệ hội viên trên dân số")
            && heading.contains("Tỉnh Yên Bái")
            && heading.contains("2020")
            && heading.contains("% dân số"),
        "the chart says what, for whom, when, in which unit: {heading}"
    );

    let children = report["children"].as_array().unwrap();
    let bars = groups(&doc, "bar");
    assert_eq!(bars.len(), children.len(), "a bar per child");
    let mut heights = Vec::new();
    for (bar, child) in bars.iter().zip(children) {
        let name = child["association"]["name"].as_str().unwrap();
        let tip = title_of(*bar);
        assert!(tip.starts_with(name), "{tip} names {name} whole");
        let ratio = child["figures"]["membership_ratio"].as_f64();
        if let Some(ratio) = ratio {
            assert!(tip.contains(&vi_percent(ratio)), "{tip} says {ratio}");
        }
        let rect = bar
            .descendants()
            .find(|n| n.attribute("class") == Some("value"))
            .unwrap();
        heights.push((ratio, number(rect, "height")));
    }
    // Heights keep the ratios' proportions.
    let drawn: Vec<(f64, f64)> = heights
        .iter()
        .filter_map(|(ratio, height)| ratio.map(|r| (r, *height)))
        .filter(|(r, _)| *r > 0.0)
        .collect();
    assert!(drawn.len() >= 2);
    for (ratio, height) in &drawn {
        let expected = drawn[0].1 * ratio / drawn[0].0;
        assert!((height - expected).abs() < 0.5, "{height} vs {expected}");
    }
    // The long name is cut on the axis and kept in its bar's title.
    let long_bar = bars
        .iter()
        .find(|b| title_of(**b).starts_with(LONG_NAME))
        .expect("the long-named child's bar");
    let label = long_bar
        .descendants()
        .filter(|n| n.is_text() && n.parent().is_some_and(|p| !p.has_tag_name("title")))
        .filter_map(|n| n.text())
        .find(|t| t.ends_with('…'))
        .expect("a shortened label");
    assert!(LONG_NAME.contains(label.trim_end_matches('…')));
    // The province's target (35 % by 2025) is the dashed line across.
    let target = report["total"]["target"]["min_value"].as_f64().unwrap();
    let line = doc
        .descendants()
        .find(|n| n.has_tag_name("line") && n.attribute("class") == Some("target"))
        .expect("the target line");
    assert_eq!(number(line, "y1"), number(line, "y2"));
    assert!(svg.contains("Chỉ tiêu đến năm 2025"));
    let (ratio, height) = drawn[0];
    let bottom = doc
        .descendants()
        .find(|n| n.attribute("class") == Some("value"))
        .map(|r| number(r, "y") + number(r, "height"))
        .unwrap();
    let target_height = bottom - number(line, "y1");
    assert!((target_height - height * target / ratio).abs() < 0.5);

    // The same chart in English.
    let english = String::from_utf8(file(&f.app, &path, "image/svg+xml", "en").await).unwrap();
    assert!(english.contains("Members against population"));
    assert!(english.contains("% of the population"));
}

#[actix_web::test]
async fn a_png_chart_is_the_svg_drawn_at_twice_its_size() {
    let f = fixture().await;
    let path = format!(
        "/api/v1/reports/membership/chart?association_id={}&year=2020",
        id(&f.province)
    );
    let png = file(&f.app, &path, "image/png", "vi").await;
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((frame.width, frame.height), (1920, 1080));
    let channels = frame.color_type.samples();
    let pixels = &pixels[..frame.buffer_size()];
    let coloured = pixels
        .chunks(channels)
        .filter(|p| p[..3] != [255, 255, 255])
        .count();
    let bars = pixels
        .chunks(channels)
        .filter(|p| p[..3] == [0x2f, 0x6f, 0xb0])
        .count();
    let total = pixels.len() / channels;
    assert!(coloured * 50 > total, "not blank: {coloured} of {total}");
    assert!(bars > 2000, "the bars are drawn: {bars} pixels");
}

#[actix_web::test]
async fn the_trend_and_assessments_charts_draw_each_year_and_each_child() {
    let f = fixture().await;
    let path = format!(
        "/api/v1/reports/trend/chart?association_id={}&metric=membership_ratio&from=2019&to=2025",
        id(&f.d1)
    );
    let svg = String::from_utf8(file(&f.app, &path, "image/svg+xml", "vi").await).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let points = groups(&doc, "point");
    assert_eq!(points.len(), 7, "a point per year");
    assert!(title_of(points[0]).starts_with("2019: chưa có số liệu"));
    assert!(title_of(points[1]).starts_with("2020: "));
    assert!(title_of(doc.root_element()).contains("Huyện Trấn Yên"));
    // The province's membership target (2025) is drawn on its trend.
    let province = path.replace(id(&f.d1), id(&f.province));
    let svg = String::from_utf8(file(&f.app, &province, "image/svg+xml", "vi").await).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let target = doc
        .descendants()
        .find(|n| n.has_tag_name("polyline") && n.attribute("class") == Some("target"));
    assert!(target.is_some(), "the 2025 target is drawn: {svg}");

    let path = format!(
        "/api/v1/reports/assessments/chart?association_id={}&criteria_set_id={}&period=2020",
        id(&f.province),
        f.commune_set
    );
    let report = json_report(&f.app, &path.replace("/chart", "")).await;
    let svg = String::from_utf8(file(&f.app, &path, "image/svg+xml", "vi").await).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let bars = groups(&doc, "bar");
    let children = report["children"].as_array().unwrap();
    assert_eq!(bars.len(), children.len());
    for (bar, child) in bars.iter().zip(children) {
        let rating = &child["counts"]["by_rating"];
        let tip = title_of(*bar);
        assert!(
            tip.contains(&format!("Tốt {}", rating["excellent"]))
                && tip.contains(&format!("Khá {}", rating["good"]))
                && tip.contains(&format!("Chưa đạt {}", rating["not_met"])),
            "{tip} vs {rating}"
        );
        let segments = bar
            .descendants()
            .filter(|n| n.attribute("class") == Some("segment"))
            .count();
        assert_eq!(segments, 4, "a segment per rating");
    }
}

/// The text of a PDF as a reader extracts it, without its spaces and line
/// breaks (a cell's text wraps where its column ends).
fn pdf_text(pdf: &[u8]) -> String {
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdf_extract::extract_text_from_mem(pdf).expect("a readable PDF");
    squash(&text)
}

fn squash(text: &str) -> String {
    text.split_whitespace().collect()
}

#[actix_web::test]
async fn the_learning_district_prints_every_criterion_and_the_total() {
    let f = fixture().await;
    let set = set_id(&f.app, "learning-district").await;
    let results: Value = (1..=19)
        .map(|n| serde_json::json!({"criterion_code": format!("TC{n:02}"), "met": n <= 17, "score": i32::from(n <= 17),
                        "note": if n == 8 { serde_json::json!("Kế hoạch số 12/KH-UBND") } else { Value::Null }}))
        .collect();
    assess(&f.app, &set, "district", &f.d1, 2021, results, "approved").await;
    target(
        &f.app,
        &f.d1,
        "learning_district_criteria_met",
        2025,
        19.0,
        None,
    )
    .await;
    let path = format!(
        "/api/v1/reports/learning-district/file?association_id={}&period=2021",
        id(&f.d1)
    );
    let report = json_report(&f.app, &path.replace("/file", "")).await;
    let text = pdf_text(&file(&f.app, &path, "application/pdf", "vi").await);
    for expected in [
        "BÁO CÁO KẾT QUẢ ĐÁNH GIÁ HUYỆN HỌC TẬP NĂM 2021",
        "Huyện Trấn Yên",
        "Kế hoạch số 12/KH-UBND",
        "Tổng điểm",
        "17/19",
        "Khá",
        "NGƯỜI LẬP BIỂU",
        "NGƯỜI DUYỆT",
    ] {
        assert!(text.contains(&squash(expected)), "{expected} in {text}");
    }
    for criterion in report["criteria"].as_array().unwrap() {
        let code = criterion["code"].as_str().unwrap();
        assert!(text.contains(code), "criterion {code} printed");
        let title = squash(criterion["title"].as_str().unwrap());
        assert!(text.contains(&title), "{title} printed whole");
    }
}

#[actix_web::test]
async fn a_long_membership_report_repeats_its_heading_on_every_page() {
    let f = fixture().await;
    for n in 0..70 {
        let name = format!("Hội Khuyến học xã Đồng Khê số {n}");
        let child = f
            .app
            .create_association(&format!("09{n:03}"), &name, "district", Some(&f.province))
            .await;
        stats(
            &f.app,
            &child,
            serde_json::json!({"year": 2020, "member_count": 100 + n, "population": 1000}),
        )
        .await;
    }
    let path = format!(
        "/api/v1/reports/membership/file?association_id={}&year=2020",
        id(&f.province)
    );
    let text = pdf_text(&file(&f.app, &path, "application/pdf", "vi").await);
    let pages = text.matches("Trang").count();
    assert!(pages >= 2, "{text}");
    assert!(text.contains(&format!("Trang{pages}/{pages}")));
    let headed = text.matches("Sốhộiviên").count();
    assert!(
        headed == pages || headed + 1 == pages,
        "a heading row on each page of the table"
    );
    for expected in [
        "Tỉnh Yên Bái",
        "Hội Khuyến học xã Đồng Khê số 69",
        "Tổng cộng",
        "NGƯỜI DUYỆT",
    ] {
        assert!(text.contains(&squash(expected)), "{expected} in {text}");
    }
}

#[actix_web::test]
async fn a_report_refuses_the_forms_it_does_not_have() {
    let f = fixture().await;
    let path = format!(
        "/api/v1/reports/learning-district?association_id={}&period=2021",
        id(&f.d1)
    );
    let response = f
        .app
        .request(Method::GET, &path)
        .header("Accept", "image/png")
        .send()
        .await
        .unwrap();
    let problem = assert_problem(response, StatusCode::NOT_ACCEPTABLE, "NOT_ACCEPTABLE").await;
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("application/pdf") && !detail.contains("image/"),
        "{detail}"
    );
    // `curl` may ask the JSON operation for any form the report has.
    let membership = format!(
        "/api/v1/reports/membership?association_id={}&year=2020",
        id(&f.province)
    );
    let png = file(&f.app, &membership, "image/png", "vi").await;
    assert!(png.starts_with(b"\x89PNG"));
    let chart = membership.replace("membership?", "membership/chart?");
    let response = f
        .app
        .request(Method::GET, &chart)
        .header("Accept", "application/pdf")
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::NOT_ACCEPTABLE, "NOT_ACCEPTABLE").await;
}

//! Cursor paging, sorting and list parameters.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{assert_problem, codes, field_errors, spawn_app};

#[actix_web::test]
async fn paging_through_120_associations_sees_each_exactly_once() {
    let app = spawn_app().await;
    let root = app
        .create_association("00", "Trung ương", "central", None)
        .await;
    for i in 0..119 {
        // Names repeat, so the id must break ties.
        let name = format!("Hội Khuyến học {}", i % 7);
        app.create_association(&format!("P{i:03}"), &name, "province", Some(&root))
            .await;
    }
    let mut seen = Vec::new();
    let mut next = Some("/api/v1/associations?page_size=50&include_total=true".to_owned());
    let mut pages = 0;
    while let Some(url) = next.take() {
        let response = app.get(&url).await;
        assert_eq!(response.status(), StatusCode::OK);
        let link = response
            .headers()
            .get("link")
            .map(|v| v.to_str().unwrap().to_owned());
        let page: Value = response.json().await.unwrap();
        assert_eq!(page["total_size"], 120);
        let items = page["items"].as_array().unwrap();
        seen.extend(items.iter().map(|i| i["id"].as_str().unwrap().to_owned()));
        pages += 1;
        match page["next_page_token"].as_str() {
            Some(_) => {
                assert_eq!(items.len(), 50);
                // Follow the Link header, as curl users would.
                let link = link.expect("a Link header while more pages follow");
                assert!(link.ends_with(">; rel=\"next\""), "{link}");
                next = Some(link[1..link.find('>').unwrap()].to_owned());
            }
            None => assert!(link.is_none()),
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 120);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 120);
}

#[actix_web::test]
async fn sorting_by_code_descending_pages_in_order() {
    let app = spawn_app().await;
    for code in ["A3", "A1", "A5", "A2", "A4"] {
        app.create_association(code, "Tỉnh", "province", None).await;
    }
    let first: Value = app
        .get("/api/v1/associations?sort=-code&page_size=2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(codes(first["items"].as_array().unwrap()), vec!["A5", "A4"]);
    let token = first["next_page_token"].as_str().unwrap();
    let second: Value = app
        .get(&format!(
            "/api/v1/associations?sort=-code&page_size=2&page_token={token}"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(codes(second["items"].as_array().unwrap()), vec!["A3", "A2"]);

    // The token belongs to that sort and those filters.
    let response = app
        .get(&format!(
            "/api/v1/associations?sort=code&page_size=2&page_token={token}"
        ))
        .await;
    assert_problem(response, StatusCode::BAD_REQUEST, "INVALID_PAGE_TOKEN").await;
    let response = app
        .get(&format!(
            "/api/v1/associations?sort=-code&level=commune&page_token={token}"
        ))
        .await;
    assert_problem(response, StatusCode::BAD_REQUEST, "INVALID_PAGE_TOKEN").await;
}

#[actix_web::test]
async fn bad_list_parameters_are_400_naming_the_parameter() {
    let app = spawn_app().await;
    for (query, pointer, code) in [
        ("page_size=0", "page_size", "INVALID_PAGE_SIZE"),
        ("page_size=501", "page_size", "INVALID_PAGE_SIZE"),
        ("page_size=many", "page_size", "INVALID_PARAMETER"),
        ("page_token=garbage", "page_token", "INVALID_PAGE_TOKEN"),
        ("sort=population", "sort", "INVALID_SORT"),
        ("level=village", "level", "INVALID_PARAMETER"),
        (
            "updated_since=yesterday",
            "updated_since",
            "INVALID_PARAMETER",
        ),
        ("colour=red", "colour", "UNKNOWN_PARAMETER"),
    ] {
        let response = app.get(&format!("/api/v1/associations?{query}")).await;
        let problem = assert_problem(response, StatusCode::BAD_REQUEST, code).await;
        assert_eq!(
            field_errors(&problem),
            vec![(pointer.to_owned(), code.to_owned())],
            "{query}"
        );
    }
}

#[actix_web::test]
async fn updated_since_lists_what_changed_for_sync() {
    let app = spawn_app().await;
    let old = app.create_association("A1", "Cũ", "province", None).await;
    let since = old["created_at"].as_str().unwrap().to_owned();
    std::thread::sleep(std::time::Duration::from_millis(5));
    let new = app.create_association("A2", "Mới", "province", None).await;
    let after_new = new["created_at"].as_str().unwrap().to_owned();
    let all = app
        .list(&format!(
            "/api/v1/associations?updated_since={}",
            urlencode(&since)
        ))
        .await;
    assert_eq!(codes(&all), vec!["A1", "A2"]);
    let only_new = app
        .list(&format!(
            "/api/v1/associations?updated_since={}",
            urlencode(&after_new)
        ))
        .await;
    assert_eq!(codes(&only_new), vec!["A2"]);
}

fn urlencode(value: &str) -> String {
    value.replace(':', "%3A").replace('+', "%2B")
}

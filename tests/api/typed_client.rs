//! The contract a generated client sees: a strict TypeScript client written
//! the plain way (openapi-typescript's types of the served document,
//! openapi-fetch's `createClient<paths>()`, then `data.items`) compiles, so
//! each JSON operation's answer is typed as the JSON it is, and the files
//! (exports, report workbooks) live on operations of their own. And
//! openapi-python-client's client of the same document lists typed items.

use std::process::Command;

use crate::helpers::spawn_app;
use crate::node::npm_package;
use crate::python::python_packages;

#[actix_web::test]
async fn a_plain_strict_typescript_client_compiles_against_the_served_document() {
    let app = spawn_app().await;
    let document = app.document().await;
    let dir = npm_package(
        "typescript",
        "typed-client",
        &["client.ts", "tsconfig.json"],
    );
    std::fs::write(dir.join("openapi.json"), document.to_string()).unwrap();
    let run = |program: &str, args: &[&str]| {
        let output = Command::new(dir.join("node_modules/.bin").join(program))
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(output.status.success(), "{program} failed:\n{said}");
    };
    run("openapi-typescript", &["openapi.json", "-o", "schema.d.ts"]);
    run("tsc", &["-p", "tsconfig.json"]);
}

#[actix_web::test]
async fn a_generated_python_client_lists_typed_items() {
    let app = spawn_app().await;
    let province = app
        .create_association("15", "Hội Khuyến học tỉnh Yên Bái", "province", None)
        .await;
    for (code, name) in [("138", "Huyện Trấn Yên"), ("136", "Huyện Văn Yên")] {
        app.create_association(code, name, "district", Some(&province))
            .await;
    }
    let document = app.document().await;
    let venv = python_packages("python", "python-client");
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("openapi.json"), document.to_string()).unwrap();
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python");
    let bin = venv.join("bin");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = |program: &std::path::Path, args: &[&str]| {
        let output = Command::new(program)
            .args(args)
            .current_dir(work.path())
            .env("PATH", &path)
            .env("PYTHONPATH", work.path())
            .output()
            .unwrap_or_else(|e| panic!("{}: {e}", program.display()));
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            output.status.success(),
            "{} failed:\n{said}",
            program.display()
        );
        said
    };
    let config = source.join("openapi-python-client.yml");
    let generated = run(
        &bin.join("openapi-python-client"),
        &[
            "generate",
            "--path",
            "openapi.json",
            "--meta",
            "none",
            "--output-path",
            "khuyenhoc_client",
            "--config",
            config.to_str().unwrap(),
        ],
    );
    assert!(
        !generated.contains("WARNING"),
        "every operation generated whole:\n{generated}"
    );
    let listed = run(
        &bin.join("python"),
        &[
            source.join("list_call.py").to_str().unwrap(),
            &app.address,
            &app.token,
            province["id"].as_str().unwrap(),
        ],
    );
    assert_eq!(
        listed.lines().collect::<Vec<_>>(),
        ["Huyện Văn Yên", "Huyện Trấn Yên"]
    );
}

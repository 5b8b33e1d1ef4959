//! The contract a generated client sees: a strict TypeScript client written
//! the plain way (openapi-typescript's types of the served document,
//! openapi-fetch's `createClient<paths>()`, then `data.items`) compiles, so
//! each JSON operation's answer is typed as the JSON it is, and the files
//! (exports, report workbooks) live on operations of their own.

use std::process::Command;

use crate::helpers::spawn_app;
use crate::node::npm_package;

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

//! The `khuyenhoc` command: serve the API, migrate the database, print the OpenAPI document.

use clap::{Args, Parser, Subcommand};
use khuyenhoc::config::{DatabaseUrl, Settings};
use khuyenhoc::db::Db;
use khuyenhoc::startup::{self, Application};

/// REST/JSON API of Vietnam's learning-promotion associations (Hội Khuyến học).
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default): migrates the database, then listens until SIGINT or SIGTERM.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate(DatabaseArgs),
    /// Print the OpenAPI document (JSON) on standard output.
    Openapi,
}

#[derive(Args, Clone)]
struct DatabaseArgs {
    /// postgres://… or postgresql://… for PostgreSQL; sqlite://PATH or a file path for SQLite
    /// (default: khuyenhoc.db in the working directory).
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,
    /// Database connections kept in the pool.
    #[arg(long, env = "DATABASE_POOL_SIZE", default_value_t = 10, global = true)]
    pool_size: u32,
}

#[derive(Args, Clone)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "WORKERS")]
    workers: Option<usize>,
    #[command(flatten)]
    database: DatabaseArgs,
}

fn database_url(args: &DatabaseArgs) -> anyhow::Result<DatabaseUrl> {
    DatabaseUrl::parse(args.database_url.as_deref()).map_err(anyhow::Error::msg)
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve(cli.serve)) {
        Command::Serve(args) => {
            let settings = Settings {
                bind: args.bind,
                database_url: database_url(&args.database)?,
                pool_size: args.database.pool_size,
                workers: args.workers,
            };
            log::info!("using the {}", settings.database_url);
            let app = Application::build(&settings)?;
            log::info!("listening on {} (port {})", settings.bind, app.port());
            app.run_until_stopped().await?;
        }
        Command::Migrate(args) => {
            let url = database_url(&args)?;
            let db = Db::open(&url, 1)?;
            let applied = db.migrate()?;
            log::info!("{applied} migration(s) applied to the {url}");
        }
        Command::Openapi => {
            println!("{}", startup::openapi().to_pretty_json()?);
        }
    }
    Ok(())
}

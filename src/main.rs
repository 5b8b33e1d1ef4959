//! The `khuyenhoc` command: serve the API, migrate the database, print the OpenAPI document.

use std::time::Duration;

use chrono::TimeDelta;
use clap::{Args, Parser, Subcommand};
use khuyenhoc::auth::{Actor, Caller, Role};
use khuyenhoc::config::{DatabaseUrl, OidcSettings, Settings, WebhookSettings};
use khuyenhoc::db::{write_transaction, Db};
use khuyenhoc::error::ApiError;
use khuyenhoc::http::paging::PageRequest;
use khuyenhoc::http::preconditions::IfMatch;
use khuyenhoc::imports::{DataResource, Format, IdScheme, Importer, Options, Source, Strategy};
use khuyenhoc::resource::export::Form;
use khuyenhoc::startup::{self, Application, DB_SETUP};
use khuyenhoc::tokens::{self, model::NewToken};
use khuyenhoc::users::{
    self,
    rules::{Identity, UserFields},
};

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
    /// Verify the database's invariants (tree paths, depths, level order, no
    /// cycles, where assessments are counted); print each broken row and exit
    /// with status 1 if there is one.
    Check(DatabaseArgs),
    /// Write a consistent copy of a running SQLite database to FILE (a new
    /// file); for PostgreSQL use pg_dump.
    Backup {
        /// The file to write; it must not exist.
        file: std::path::PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Import a file (NDJSON, JSON `{"items": […]}` or CSV, by its extension)
    /// straight into the database, as `POST /api/v1/imports/{resource}` does,
    /// and print the report (JSON) on standard output. Exits with status 1
    /// if a row was rejected.
    Import {
        /// The file: .ndjson/.jsonl, .json or .csv.
        file: std::path::PathBuf,
        #[arg(long, value_enum)]
        resource: DataResource,
        /// Run every row, report, write nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long, value_enum, default_value = "upsert")]
        strategy: Strategy,
        /// Whether `association_id` holds ids or association codes.
        #[arg(long, value_enum, default_value = "id")]
        id_scheme: IdScheme,
        /// Write the good rows (a transaction per 500) even if some are rejected.
        #[arg(long)]
        not_atomic: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Write every row of a resource to standard output: CSV or NDJSON, in
    /// the form `khuyenhoc import` and the import endpoint take back, or a
    /// workbook (`--format xlsx > citizens.xlsx`).
    Export {
        #[arg(long, value_enum)]
        resource: DataResource,
        #[arg(long, value_enum, default_value = "ndjson")]
        format: ExportFormat,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage the users who sign in through the OpenID Connect provider.
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user and print its id; with --issuer and --subject, the
    /// identity at the provider that signs in as it.
    Create {
        /// The person's or the machine client's name.
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: Option<String>,
        /// admin, editor, viewer or integration.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The association whose subtree the user covers (default: the whole tree, admins only).
        #[arg(long)]
        association: Option<String>,
        /// The provider's issuer URL (its tokens' `iss`).
        #[arg(long, requires = "subject")]
        issuer: Option<String>,
        /// The subject (`sub`) the provider gives the person or client.
        #[arg(long, requires = "issuer")]
        subject: Option<String>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// List users (id, role, association, active, name, identities).
    List {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Link another identity to a user.
    Link {
        /// The user's id.
        id: String,
        #[arg(long)]
        issuer: String,
        #[arg(long)]
        subject: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Deactivate a user: refused from its next request on.
    Deactivate {
        /// The user's id.
        id: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ExportFormat {
    Csv,
    Ndjson,
    /// A workbook (.xlsx): redirect it to a file.
    Xlsx,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print its value on standard output (it is shown only this once).
    Create {
        /// admin, editor, viewer or integration.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Who or what uses the token.
        #[arg(long)]
        name: String,
        /// The association whose subtree the token covers (default: the whole tree, admins only).
        #[arg(long)]
        association: Option<String>,
        /// The token stops working after this many days (default: never).
        #[arg(long)]
        expires_in_days: Option<u32>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// List tokens (never their values).
    List {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Revoke a token at once.
    Revoke {
        /// The token's id.
        id: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

fn parse_role(value: &str) -> Result<Role, String> {
    Role::parse(value).ok_or_else(|| "expected admin, editor, viewer or integration".to_owned())
}

#[derive(Args, Clone)]
struct DatabaseArgs {
    /// postgres://… or postgresql://… for PostgreSQL; sqlite://PATH or a file path for SQLite
    /// (default: khuyenhoc.db in the working directory).
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,
    /// Database connections kept in the pool, and so queries run at once (default: twice
    /// this machine's cores, at least 4).
    #[arg(long, env = "DATABASE_POOL_SIZE", default_value_t = default_pool_size(), global = true)]
    pool_size: u32,
    /// Milliseconds a request waits for a database connection before it is answered 503.
    #[arg(
        long,
        env = "DATABASE_POOL_TIMEOUT_MS",
        default_value_t = 2000,
        global = true
    )]
    pool_timeout_ms: u64,
}

/// Twice the cores, at least 4: more queries at once than that only queue for the
/// cores (the database's own, when it runs beside the service), and each request
/// waits longer behind them (bench/RESULTS.md: on 2 cores, 10 connections held a
/// p99 of 24–90 ms for a read whose p50 is 1 ms; 4 held 3 ms, at the same rate).
fn default_pool_size() -> u32 {
    u32::try_from(2 * cores()).unwrap_or(u32::MAX).max(4)
}

/// The cores this process may use (its cgroup's share in a container).
fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

impl DatabaseArgs {
    fn pool_timeout(&self) -> Duration {
        Duration::from_millis(self.pool_timeout_ms.max(1))
    }
}

#[derive(Args, Clone)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "WORKERS")]
    workers: Option<usize>,
    /// Comma-separated origins of browser frontends allowed by CORS (default: none).
    #[arg(long, env = "CORS_ALLOWED_ORIGINS", value_delimiter = ',')]
    cors_allowed_origins: Vec<String>,
    /// Seconds a client may take to send a request's headers.
    #[arg(long, env = "HEADER_TIMEOUT_SECS", default_value_t = 5)]
    header_timeout_secs: u64,
    /// Seconds a client may take to send a request's body (408 after).
    #[arg(long, env = "BODY_TIMEOUT_SECS", default_value_t = 30)]
    body_timeout_secs: u64,
    /// Seconds requests in flight may take to finish on SIGINT or SIGTERM.
    #[arg(long, env = "SHUTDOWN_GRACE_SECS", default_value_t = 30)]
    shutdown_grace_secs: u64,
    /// Reports this instance builds at once; past it a report waits a second, then is 503.
    #[arg(long, env = "REPORT_CONCURRENCY", default_value_t = 4)]
    report_concurrency: usize,
    /// The largest import body, in MiB (413 past it).
    #[arg(long, env = "IMPORT_BODY_LIMIT_MB", default_value_t = 256)]
    import_body_limit_mb: usize,
    /// Requests per minute allowed to each token by this instance (429 past
    /// it); 0, the default, sets no limit.
    #[arg(long, env = "RATE_LIMIT_PER_MINUTE", default_value_t = 0)]
    rate_limit_per_minute: u32,
    /// The issuer URL of the OpenID Connect provider whose access tokens are
    /// accepted beside API tokens (https://, or http:// on loopback);
    /// needs --oidc-audience.
    #[arg(long, env = "OIDC_ISSUER_URL", requires = "oidc_audience")]
    oidc_issuer_url: Option<String>,
    /// The audience (`aud`) the provider's access tokens for this service carry.
    #[arg(long, env = "OIDC_AUDIENCE", requires = "oidc_issuer_url")]
    oidc_audience: Option<String>,
    /// Seconds of clock skew allowed to a token's `exp` and `nbf` (at most 60).
    #[arg(long, env = "OIDC_LEEWAY_SECS", default_value_t = 60)]
    oidc_leeway_secs: u64,
    /// The provider's client id for Swagger UI at /docs to sign in with
    /// (authorization code with PKCE, a public client).
    #[arg(long, env = "DOCS_OIDC_CLIENT_ID")]
    docs_oidc_client_id: Option<String>,
    /// Failed authentications allowed from one client address in a minute
    /// (429 with Retry-After past it); 0 turns the throttle off.
    #[arg(long, env = "AUTH_FAILURES_PER_MINUTE", default_value_t = 30)]
    auth_failures_per_minute: u32,
    /// Comma-separated addresses of reverse proxies whose X-Forwarded-For
    /// names the client (default: none; the header is then ignored).
    #[arg(long, env = "TRUSTED_PROXIES", value_delimiter = ',')]
    trusted_proxies: Vec<std::net::IpAddr>,
    #[command(flatten)]
    webhooks: WebhookArgs,
    #[command(flatten)]
    database: DatabaseArgs,
}

/// How webhooks are delivered.
#[derive(Args, Clone, Debug)]
struct WebhookArgs {
    /// Deliver to loopback, private and link-local addresses and to http://
    /// URLs (tests, closed networks). Off by default: receivers are https://
    /// on public addresses only.
    #[arg(long, env = "WEBHOOK_ALLOW_PRIVATE_NETWORKS", default_value_t = false)]
    webhook_allow_private_networks: bool,
    /// Seconds a receiver has to answer a delivery (2xx in time: delivered).
    #[arg(long, env = "WEBHOOK_TIMEOUT_SECS", default_value_t = 10)]
    webhook_timeout_secs: u64,
    /// Milliseconds to wait after a failed attempt; each next wait doubles, with jitter.
    #[arg(long, env = "WEBHOOK_RETRY_FIRST_MS", default_value_t = 10_000)]
    webhook_retry_first_ms: u64,
    /// The longest wait between two attempts, in seconds.
    #[arg(long, env = "WEBHOOK_RETRY_LONGEST_SECS", default_value_t = 3600)]
    webhook_retry_longest_secs: u64,
    /// Seconds an event is retried before its subscription is disabled.
    #[arg(long, env = "WEBHOOK_GIVE_UP_AFTER_SECS", default_value_t = 86_400)]
    webhook_give_up_after_secs: u64,
    /// Milliseconds between two looks for deliveries due (a write of this
    /// instance wakes the dispatcher at once).
    #[arg(long, env = "WEBHOOK_POLL_MS", default_value_t = 1000)]
    webhook_poll_ms: u64,
}

impl WebhookArgs {
    fn settings(&self) -> WebhookSettings {
        WebhookSettings {
            allow_private_networks: self.webhook_allow_private_networks,
            timeout: Duration::from_secs(self.webhook_timeout_secs.clamp(1, 60)),
            first_wait: Duration::from_millis(self.webhook_retry_first_ms.max(10)),
            longest_wait: Duration::from_secs(self.webhook_retry_longest_secs.max(1)),
            give_up_after: Duration::from_secs(self.webhook_give_up_after_secs.max(1)),
            poll_every: Duration::from_millis(self.webhook_poll_ms.max(10)),
        }
    }
}

/// The database a command names, migrated.
fn open(args: &DatabaseArgs) -> anyhow::Result<Db> {
    Db::connect(&database_url(args)?, 1, args.pool_timeout(), DB_SETUP)
}

fn token_command(command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create {
            role,
            name,
            association,
            expires_in_days,
            database,
        } => {
            let db = open(&database)?;
            let mut conn = db.connection()?;
            let new = NewToken {
                name,
                role,
                association_id: association,
                expires_at: expires_in_days
                    .map(|days| khuyenhoc::db::now() + TimeDelta::days(i64::from(days))),
            };
            let (row, token) = write_transaction(&mut conn, |conn| {
                tokens::model::issue(conn, &Actor::command_line(), None, new)
            })
            .map_err(|e| anyhow::anyhow!("{}", problem_text(&e)))?;
            eprintln!(
                "created {} token {} ({}) in the {}; its value, shown only now:",
                row.role,
                row.id,
                row.name,
                database_url(&database)?
            );
            println!("{token}");
        }
        TokenCommand::List { database } => {
            let db = open(&database)?;
            let mut conn = db.connection()?;
            let page = PageRequest::new(Some(500), None, "cli")?;
            let mut rows = tokens::model::list(&mut conn, None, &page)?;
            println!("id\trole\tassociation\tname\tcreated\texpires\tlast used\trevoked");
            loop {
                for t in &rows.items {
                    let time = |t: Option<chrono::NaiveDateTime>| {
                        t.map(|t| t.and_utc().to_rfc3339())
                            .unwrap_or_else(|| "-".into())
                    };
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                        t.id,
                        t.role,
                        t.association_id.as_deref().unwrap_or("(whole tree)"),
                        t.name,
                        t.created_at.and_utc().to_rfc3339(),
                        time(t.expires_at),
                        time(t.last_used_at),
                        time(t.revoked_at)
                    );
                }
                let Some(token) = rows.next_page_token.take() else {
                    break;
                };
                let page = PageRequest::new(Some(500), Some(&token), "cli")?;
                rows = tokens::model::list(&mut conn, None, &page)?;
            }
        }
        TokenCommand::Revoke { id, database } => {
            let db = open(&database)?;
            let mut conn = db.connection()?;
            let row = write_transaction(&mut conn, |conn| {
                tokens::model::revoke(conn, &Actor::command_line(), None, &id, &IfMatch::Absent)
            })
            .map_err(|e| anyhow::anyhow!("{}", problem_text(&e)))?;
            eprintln!("revoked token {} ({})", row.id, row.name);
        }
    }
    Ok(())
}

/// An API error as one line for the terminal.
fn user_command(command: UserCommand) -> anyhow::Result<()> {
    let failed = |e: ApiError| anyhow::anyhow!("{}", problem_text(&e));
    match command {
        UserCommand::Create {
            name,
            email,
            role,
            association,
            issuer,
            subject,
            database,
        } => {
            let db = open(&database)?;
            let mut conn = db.connection()?;
            let fields = UserFields {
                name,
                email,
                role,
                association_id: association,
                active: true,
                identities: issuer
                    .zip(subject)
                    .map(|(issuer, subject)| Identity { issuer, subject })
                    .into_iter()
                    .collect(),
            }
            .validated()
            .map_err(failed)?;
            let user = write_transaction(&mut conn, |conn| {
                users::model::create(conn, &Actor::command_line(), None, fields.clone())
            })
            .map_err(failed)?;
            eprintln!(
                "created {} user {} in the {}",
                user.row.role,
                user.row.name,
                database_url(&database)?
            );
            println!("{}", user.row.id);
        }
        UserCommand::List { database } => {
            let db = open(&database)?;
            let mut conn = db.connection()?;
            println!("id\trole\tassociation\tactive\tname\tidentities");
            let mut token = None;
            loop {
                let page = PageRequest::new(Some(500), token.as_deref(), "cli")?;
                let mut users = users::model::list(&mut conn, &Default::default(), &page)?;
                for user in &users.items {
                    let identities: Vec<String> = user
                        .identities
                        .iter()
                        .map(|i| format!("{} {}", i.issuer, i.subject))
                        .collect();
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{}",
                        user.row.id,
                        user.row.role,
                        user.row.association_id.as_deref().unwrap_or("(whole tree)"),
                        user.row.active,
                        user.row.name,
                        identities.join(", ")
                    );
                }
                token = users.next_page_token.take();
                if token.is_none() {
                    break;
                }
            }
        }
        UserCommand::Link {
            id,
            issuer,
            subject,
            database,
        } => {
            let db = open(&database)?;
            let mut conn = db.connection()?;
            let identity = Identity { issuer, subject };
            write_transaction(&mut conn, |conn| {
                users::model::update(
                    conn,
                    &Actor::command_line(),
                    None,
                    &id,
                    &IfMatch::Absent,
                    |mut f| {
                        f.identities.push(identity.clone());
                        Ok(f)
                    },
                )
            })
            .map_err(failed)?;
            eprintln!(
                "linked {} {} to user {id}",
                identity.issuer, identity.subject
            );
        }
        UserCommand::Deactivate { id, database } => {
            let db = open(&database)?;
            let mut conn = db.connection()?;
            write_transaction(&mut conn, |conn| {
                users::model::update(
                    conn,
                    &Actor::command_line(),
                    None,
                    &id,
                    &IfMatch::Absent,
                    |mut f| {
                        f.active = false;
                        Ok(f)
                    },
                )
            })
            .map_err(failed)?;
            eprintln!(
                "deactivated user {id}: refused from its next request on (elsewhere within 5 s)"
            );
        }
    }
    Ok(())
}

fn problem_text(error: &ApiError) -> String {
    let problem = error.problem();
    let fields: Vec<String> = problem
        .errors
        .iter()
        .map(|e| format!("{}: {}", e.pointer, e.detail))
        .collect();
    if fields.is_empty() {
        problem.detail
    } else {
        format!("{} ({})", problem.detail, fields.join("; "))
    }
}

fn database_url(args: &DatabaseArgs) -> anyhow::Result<DatabaseUrl> {
    DatabaseUrl::parse(args.database_url.as_deref()).map_err(anyhow::Error::msg)
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    limit_allocator_arenas();
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve(cli.serve)) {
        Command::Serve(args) => {
            let settings = Settings {
                bind: args.bind,
                database_url: database_url(&args.database)?,
                pool_size: args.database.pool_size,
                pool_timeout: args.database.pool_timeout(),
                workers: args.workers,
                cors_allowed_origins: args.cors_allowed_origins,
                header_timeout: Duration::from_secs(args.header_timeout_secs),
                body_timeout: Duration::from_secs(args.body_timeout_secs.max(1)),
                shutdown_grace: Duration::from_secs(args.shutdown_grace_secs),
                report_concurrency: args.report_concurrency,
                rate_limit_per_minute: std::num::NonZeroU32::new(args.rate_limit_per_minute),
                oidc: match (&args.oidc_issuer_url, &args.oidc_audience) {
                    (Some(issuer), Some(audience)) => Some(
                        OidcSettings::new(
                            issuer,
                            audience,
                            Duration::from_secs(args.oidc_leeway_secs),
                        )
                        .map_err(anyhow::Error::msg)?,
                    ),
                    _ => None,
                },
                docs_oidc_client_id: args.docs_oidc_client_id,
                auth_failures_per_minute: args.auth_failures_per_minute,
                trusted_proxies: args.trusted_proxies,
                webhooks: args.webhooks.settings(),
                import_body_limit: args.import_body_limit_mb.max(1) << 20,
            };
            log::info!("using the {}", settings.database_url);
            let app = Application::build(&settings)?;
            release_start_up_memory();
            log::info!("listening on {} (port {})", settings.bind, app.port());
            app.run_until_stopped().await?;
        }
        Command::Migrate(args) => {
            let url = database_url(&args)?;
            let db = Db::open(&url, 1, args.pool_timeout(), DB_SETUP)?;
            let applied = db.migrate()?;
            log::info!("{applied} migration(s) applied to the {url}");
        }
        Command::Openapi => {
            println!("{}", startup::openapi().to_pretty_json()?);
        }
        Command::Token(command) => token_command(command)?,
        Command::User(command) => user_command(command)?,
        Command::Backup { file, database } => {
            let db = Db::open(
                &database_url(&database)?,
                1,
                database.pool_timeout(),
                DB_SETUP,
            )?;
            db.backup(&file)?;
            eprintln!("wrote a copy to {}", file.display());
        }
        Command::Import {
            file,
            resource,
            dry_run,
            strategy,
            id_scheme,
            not_atomic,
            database,
        } => {
            let format = match file.extension().and_then(|e| e.to_str()) {
                Some("csv") => Format::Csv,
                Some("json") => Format::Json,
                Some("ndjson" | "jsonl") => Format::Ndjson,
                _ => anyhow::bail!("name a .csv, .json, .ndjson or .jsonl file"),
            };
            let reader = Box::new(std::io::BufReader::new(std::fs::File::open(&file)?));
            let bar = indicatif::ProgressBar::new_spinner().with_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} {pos} rows  {per_sec}  {elapsed}",
                )?,
            );
            let shown = bar.clone();
            let importer = Importer {
                actor: Actor::command_line(),
                scope: None,
                options: Options {
                    dry_run,
                    strategy,
                    id_scheme,
                    atomic: !not_atomic,
                },
                progress: Some(Box::new(move |rows| shown.set_position(rows))),
            };
            let db = Db::connect(
                &database_url(&database)?,
                1,
                database.pool_timeout(),
                DB_SETUP,
            )?;
            let report = resource
                .import(&importer, &mut *db.connection()?, Source { format, reader })
                .map_err(|e| anyhow::anyhow!("{}", problem_text(&e)))?;
            bar.finish_and_clear();
            println!("{}", serde_json::to_string_pretty(&report)?);
            if report.rejected > 0 {
                std::process::exit(1);
            }
        }
        Command::Export {
            resource,
            format,
            database,
        } => {
            let form = match format {
                ExportFormat::Csv => Form::Csv,
                ExportFormat::Ndjson => Form::Ndjson,
                ExportFormat::Xlsx => Form::Xlsx,
            };
            let db = Db::open(
                &database_url(&database)?,
                1,
                database.pool_timeout(),
                DB_SETUP,
            )?;
            let whole_tree = Caller::command_line();
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let rows = resource
                .export(&mut *db.connection()?, &whole_tree, form, &mut out)
                .map_err(|e| anyhow::anyhow!("{}", problem_text(&e)))?;
            std::io::Write::flush(&mut out)?;
            eprintln!("{rows} rows");
        }
        Command::Check(args) => {
            let db = Db::open(&database_url(&args)?, 1, args.pool_timeout(), DB_SETUP)?;
            let violations = khuyenhoc::check::run(&mut *db.connection()?)
                .map_err(|e| anyhow::anyhow!("{}", problem_text(&e)))?;
            for violation in &violations {
                println!("{violation}");
            }
            if !violations.is_empty() {
                eprintln!("{} broken row(s)", violations.len());
                std::process::exit(1);
            }
            eprintln!("every invariant holds");
        }
    }
    Ok(())
}

/// Two heaps per core for all threads: glibc gives each new thread a heap of
/// its own (up to 8 per core), and the memory freed in each stays with it.
/// On 2 cores under 64 writers on SQLite the server's peak fell from 108 to
/// 90 MiB with four, at the same rate; two cost a read by id 7 %
/// (bench/RESULTS.md).
fn limit_allocator_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let arenas = libc::c_int::try_from(2 * cores()).unwrap_or(libc::c_int::MAX);
        // SAFETY: mallopt sets a tunable of the allocator; it is called
        // before any other thread of the program has started.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}

/// Gives the allocator's free memory back to the system once start-up
/// (migrations, the OpenAPI document built and serialised) is over: glibc
/// keeps freed heap, and an idle instance would hold ~12 MiB it no longer uses.
fn release_start_up_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of the allocator's own
    // arenas to the system; it touches no memory in use.
    unsafe {
        libc::malloc_trim(0);
    }
}

//! `poort`: the command line. Parses arguments and settings, then hands over to the library.
//! Exit codes: 0 success, 1 runtime failure, 2 bad command line or configuration.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use poort_api::configuration::{self, ConfigError, Mode, Settings};
use std::sync::Arc;

use poort_api::clock::SystemClock;
use poort_api::services::invitations;
use poort_api::startup::Application;
use poort_api::state::AppState;
use poort_api::store::{self, NewMessage};
use poort_api::telemetry;
use poort_shared::dto::Channel;

#[derive(Parser)]
#[command(
    name = "poort",
    version,
    about = "Sign-in, invitations and portfolio rights for the adviser extranet"
)]
struct Cli {
    /// Development mode: e-mail and SMS stay in the local outbox, keys are generated.
    #[arg(long, global = true)]
    dev: bool,
    /// TOML settings file (see config/poort.example.toml); POORT__… variables override it.
    #[arg(long, global = true, env = "POORT_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the service (the default).
    Serve,
    /// Check the settings and exit: 0 when valid, 2 with the reason when not.
    CheckConfig,
    /// Print a fresh signing key and encryption key for the settings.
    GenerateKeys,
    /// Dev mode only: an office with N active advisers sharing one password, each with an
    /// authenticator secret derived from SEED (SHA-256 of "SEED:i", first 20 bytes), for
    /// demos and `cargo xtask bench`. Refused outside dev mode.
    SeedDemo {
        #[arg(long, default_value_t = 10)]
        accounts: usize,
        #[arg(long)]
        password: String,
        #[arg(long, default_value = "poort-demo")]
        totp_seed: String,
        /// API clients of the demo office, with keys from the same seed.
        #[arg(long, default_value_t = 0)]
        api_clients: usize,
    },
    /// Dev mode only: an insurer's numbers (5,000 offices, 100,000 accounts, 400,000 rights,
    /// 2,000,000 audit events by default) for screens and `cargo xtask bench --scale`; active
    /// accounts share PASSWORD and have authenticator secrets from SEED as with seed-demo.
    SeedScale {
        #[arg(long, default_value_t = 5_000)]
        offices: usize,
        #[arg(long, default_value_t = 100_000)]
        accounts: usize,
        #[arg(long, default_value_t = 2_000_000)]
        audit_events: usize,
        #[arg(long)]
        password: String,
        #[arg(long, default_value = "poort-demo")]
        totp_seed: String,
    },
    /// Invite the first member of the relations team and print the invitation link.
    BootstrapOperator {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
    /// A consistent copy of the SQLite database into FILE, taken while Poort serves (checked
    /// with SQLite's integrity check; never overwrites FILE). On PostgreSQL: says to use pg_dump.
    Backup { file: PathBuf },
    /// Work with the outbox of e-mail and SMS.
    #[command(subcommand)]
    Outbox(OutboxCommand),
}

#[derive(Subcommand)]
enum OutboxCommand {
    /// Queue a test e-mail and/or SMS; a running `poort` delivers them. Checks SMTP and the SMS
    /// gateway end to end.
    SendTest {
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        sms: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    if let Some(Command::GenerateKeys) = cli.command {
        return match (
            configuration::generate_key_base64(),
            configuration::generate_key_base64(),
        ) {
            (Ok(signing), Ok(encryption)) => {
                println!(
                    "[security]\nsigning_key = \"{signing}\"\nencryption_key = \"{encryption}\""
                );
                ExitCode::SUCCESS
            }
            (Err(e), _) | (_, Err(e)) => fail(2, &e.to_string()),
        };
    }
    let settings = match load_settings(&cli) {
        Ok(settings) => settings,
        Err(e) => return fail(2, &e.to_string()),
    };
    if let Some(Command::CheckConfig) = cli.command {
        println!(
            "configuration is valid ({:?} mode, {} database)",
            settings.mode, settings.database.url
        );
        return ExitCode::SUCCESS;
    }
    telemetry::init(&settings.log, settings.mode);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(1, &format!("cannot start the async runtime: {e}")),
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Some(Command::Outbox(OutboxCommand::SendTest { email, sms })) => {
                send_test(&settings, email, sms).await
            }
            Some(Command::Backup { file }) => {
                let done = poort_api::backup::backup(&settings, &file).await?;
                println!(
                    "backed up the database to {} ({:.1} MiB, {} accounts) in {:.2} s; integrity check: ok",
                    done.file.display(),
                    done.bytes as f64 / 1_048_576.0,
                    done.accounts,
                    done.seconds
                );
                Ok(())
            }
            Some(Command::BootstrapOperator { email, name }) => {
                bootstrap_operator(settings, &email, &name).await
            }
            Some(Command::SeedDemo {
                accounts,
                password,
                totp_seed,
                api_clients,
            }) => seed_demo(settings, accounts, api_clients, password, &totp_seed).await,
            Some(Command::SeedScale {
                offices,
                accounts,
                audit_events,
                password,
                totp_seed,
            }) => {
                let size = poort_api::services::scale::Size {
                    offices,
                    accounts,
                    audit_events,
                };
                seed_scale(settings, size, password, &totp_seed).await
            }
            _ => serve(settings).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(1, &format!("{e:#}")),
    }
}

fn fail(code: u8, message: &str) -> ExitCode {
    eprintln!("poort: {message}");
    ExitCode::from(code)
}

fn load_settings(cli: &Cli) -> Result<Settings, ConfigError> {
    let mut settings = Settings::load(cli.config.as_deref(), std::env::vars())?;
    if cli.dev {
        settings.mode = Mode::Dev;
    }
    settings.validate()?;
    // Decode (or in dev mode create) the keys now, so a bad key stops start-up with code 2.
    settings.keys()?;
    Ok(settings)
}

/// Linux: lowers the priority of Poort's scheduling group (its autogroup) to `nice` against
/// the host's other groups (`server.scheduling_group_nice`); 0 leaves it. The kernel ignores
/// it where autogroups are off or Poort has a cgroup of its own (systemd: `CPUWeight=`).
fn lower_scheduling_group(nice: i32) {
    if nice == 0 {
        return;
    }
    #[cfg(target_os = "linux")]
    match std::fs::write("/proc/self/autogroup", nice.to_string()) {
        Ok(()) => tracing::info!(nice, "scheduling group's priority lowered"),
        Err(error) => tracing::warn!(%error, nice, "cannot lower the scheduling group's priority"),
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    lower_scheduling_group(settings.server.scheduling_group_nice);
    let mode = settings.mode;
    let database = settings.database_kind()?.as_str();
    let app = Application::build(settings).await?;
    let url = app.state().public_url.clone();
    let dev_note = if mode == Mode::Dev {
        format!(" — dev mode: e-mail and SMS go to the outbox at {url}/dev/outbox")
    } else {
        String::new()
    };
    println!("Poort is ready at {url} (database: {database}; API docs: {url}/api/docs){dev_note}");
    tracing::info!(%url, database, "listening");
    match invitations::has_active_operator(&app.state()).await {
        Ok(false) => println!(
            "No one of the relations team can sign in yet. Invite the first operator with:\n  \
             cargo xtask bootstrap-operator --email you@insurer.example --name \"Your Name\"\n\
             (or `poort bootstrap-operator …` with this server's settings); the link appears there{}.",
            if mode == Mode::Dev {
                " and in the dev outbox"
            } else {
                " and in the e-mail"
            }
        ),
        Ok(true) => {}
        Err(e) => tracing::warn!(error = %e, "cannot check for operators"),
    }
    app.run_until_stopped().await?;
    Ok(())
}

async fn bootstrap_operator(settings: Settings, email: &str, name: &str) -> anyhow::Result<()> {
    let public_url = settings.public_url(settings.server.port);
    let state = AppState::new(settings, Arc::new(SystemClock), public_url).await?;
    match invitations::bootstrap_operator(&state, name, email).await {
        Ok(link) => {
            println!(
                "Invited {name} <{email}> to the relations team. The invitation link (valid 7 days, works once):\n{link}"
            );
            Ok(())
        }
        Err(e) => anyhow::bail!("{}", describe(&e)),
    }
}

async fn seed_demo(
    settings: Settings,
    accounts: usize,
    api_clients: usize,
    password: String,
    seed: &str,
) -> anyhow::Result<()> {
    if settings.mode != Mode::Dev {
        anyhow::bail!(
            "seed-demo only runs in dev mode (--dev): it makes accounts with known secrets"
        );
    }
    let public_url = settings.public_url(settings.server.port);
    let state = AppState::new(settings, Arc::new(SystemClock), public_url).await?;
    let made =
        poort_api::services::demo::seed(&state, accounts, api_clients, password, seed).await?;
    println!(
        "seeded {made} advisers: adviseur0@demo.example … adviseur{}@demo.example",
        made.saturating_sub(1)
    );
    if api_clients > 0 {
        println!(
            "seeded {api_clients} API clients: pc_demo_0 … pc_demo_{}",
            api_clients - 1
        );
    }
    Ok(())
}

async fn seed_scale(
    settings: Settings,
    size: poort_api::services::scale::Size,
    password: String,
    seed: &str,
) -> anyhow::Result<()> {
    if settings.mode != Mode::Dev {
        anyhow::bail!(
            "seed-scale only runs in dev mode (--dev): it makes accounts with known secrets"
        );
    }
    let public_url = settings.public_url(settings.server.port);
    let state = AppState::new(settings, Arc::new(SystemClock), public_url).await?;
    let made = poort_api::services::scale::seed(&state, size, password, seed)
        .await
        .map_err(|e| anyhow::anyhow!("{}", describe(&e)))?;
    println!(
        "seeded {} offices, {} portfolios, {} accounts, {} rights, {} invitations and {} audit events in {:.1} s; \
         largest office {} (administrator: account 0, {}); relations team: relatiebeheer@scale.example",
        made.offices,
        made.portfolios,
        made.accounts,
        made.rights,
        made.invitations,
        made.audit_events,
        made.seconds,
        made.largest_office,
        poort_api::services::scale::account_email(0, size),
    );
    Ok(())
}

fn describe(e: &poort_api::error::ApiError) -> String {
    match e {
        poort_api::error::ApiError::Client { code, message, .. } => format!("{message} ({code})"),
        other => format!("{other:#}"),
    }
}

async fn send_test(
    settings: &Settings,
    email: Option<String>,
    sms: Option<String>,
) -> anyhow::Result<()> {
    if email.is_none() && sms.is_none() {
        anyhow::bail!("give --email ADDRESS and/or --sms NUMBER");
    }
    let sealer = std::sync::Arc::new(poort_api::auth::secrets::Secrets::new(&settings.keys()?));
    let store = store::connect(&settings.database, settings.database_kind()?, sealer).await?;
    let insurer = &settings.branding.insurer_name;
    let status_page = format!("{}/status", settings.public_url(settings.server.port));
    let mut messages = Vec::new();
    if let Some(to) = email {
        messages.push(NewMessage {
            channel: Channel::Email,
            recipient: to,
            subject: Some(format!("Testbericht van {insurer}")),
            body: format!(
                "Dit is een testbericht van Poort: e-mail wordt afgeleverd.\n\
                 This is a test message from Poort: e-mail is delivered.\n\n\
                 Status: {status_page}\n"
            ),
        });
    }
    if let Some(to) = sms {
        messages.push(NewMessage {
            channel: Channel::Sms,
            recipient: to,
            subject: None,
            body: format!("Testbericht van {insurer}: sms wordt afgeleverd."),
        });
    }
    let ids = store.enqueue(&messages, chrono::Utc::now()).await?;
    for id in ids {
        println!("queued {id}; a running poort delivers it (see /metrics or the logs)");
    }
    Ok(())
}

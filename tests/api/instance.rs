//! The service as a process of its own, for the tests that start, stop,
//! signal or starve it.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The service as a process of its own, on a free port.
pub struct Instance {
    pub child: Child,
    pub port: u16,
    /// What the process wrote to its standard error.
    log: tempfile::NamedTempFile,
}

impl Instance {
    pub fn start(database_url: &str) -> Instance {
        let mut command = Command::new(env!("CARGO_BIN_EXE_khuyenhoc"));
        command.arg("serve");
        Self::start_with(command, database_url)
    }

    /// Starts `command` (the binary, or a wrapper that runs it last) with
    /// the service's settings (a pool of 2 unless `command` names its size).
    pub fn start_with(mut command: Command, database_url: &str) -> Instance {
        if !command
            .get_envs()
            .any(|(name, _)| name == "DATABASE_POOL_SIZE")
        {
            command.env("DATABASE_POOL_SIZE", "2");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = tempfile::NamedTempFile::new().unwrap();
        let child = command
            .env("DATABASE_URL", database_url)
            .env("BIND", format!("127.0.0.1:{port}"))
            .env("DATABASE_POOL_TIMEOUT_MS", "1000")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log.reopen().unwrap())
            .spawn()
            .expect("the binary starts");
        Instance { child, port, log }
    }

    /// Waits for /readyz; the process's error output if it exits first.
    pub async fn ready(&mut self) -> Result<(), String> {
        let client = reqwest::Client::new();
        for _ in 0..120 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return Err(self.log());
            }
            let url = format!("http://127.0.0.1:{}/readyz", self.port);
            if client
                .get(&url)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return Ok(());
            }
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
        Err("not ready in 12 s".into())
    }

    /// Everything the process has logged so far.
    pub fn log(&self) -> String {
        let mut text = String::new();
        let _ = self.log.reopen().unwrap().read_to_string(&mut text);
        text
    }

    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn admin_token(database_url: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_khuyenhoc"))
        .args(["token", "create", "--role", "admin", "--name", "test"])
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

//! A real SMTP server: aiosmtpd (Python, installed by `cargo xtask test` into a venv named by
//! `POORT_TEST_PYTHON`) writing every received message into a Maildir.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

/// One received e-mail, as the Maildir holds it.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub raw: String,
}

impl ReceivedMail {
    /// The value of a header (first occurrence, unfolded).
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.raw.split("\r\n\r\n").next().unwrap_or(&self.raw);
        let head = head.split("\n\n").next().unwrap_or(head);
        let prefix = format!("{}:", name.to_ascii_lowercase());
        let mut lines = head.lines().peekable();
        while let Some(line) = lines.next() {
            if line.to_ascii_lowercase().starts_with(&prefix) {
                let mut value = line[prefix.len()..].trim().to_string();
                while let Some(next) = lines.peek() {
                    if next.starts_with(' ') || next.starts_with('\t') {
                        value.push(' ');
                        value.push_str(next.trim());
                        lines.next();
                    } else {
                        break;
                    }
                }
                return Some(value);
            }
        }
        None
    }
}

pub struct SmtpSink {
    child: Option<Child>,
    pub port: u16,
    maildir: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmtpSink {
    /// Reserves a port for a sink without starting it (to test delivery while it is down).
    pub fn reserve() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        Self {
            child: None,
            port: crate::free_port(),
            maildir: dir.path().join("maildir"),
            _dir: dir,
        }
    }

    pub async fn start() -> Self {
        let mut sink = Self::reserve();
        sink.listen().await;
        sink
    }

    /// Starts listening on the reserved port and waits until it accepts connections.
    pub async fn listen(&mut self) {
        let python = std::env::var("POORT_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        let child = Command::new(&python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{}", self.port))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&self.maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start aiosmtpd with {python} (cargo xtask test installs it): {e}")
            });
        self.child = Some(child);
        let port = self.port;
        crate::eventually(20, "aiosmtpd to accept connections", || async move {
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .ok()
                .map(|_| ())
        })
        .await;
    }

    /// Every message received so far.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(entries) = std::fs::read_dir(self.maildir.join(sub)) {
                for entry in entries.filter_map(Result::ok) {
                    if let Ok(raw) = std::fs::read_to_string(entry.path()) {
                        out.push(ReceivedMail { raw });
                    }
                }
            }
        }
        out
    }

    /// Waits until at least `n` messages arrived.
    pub async fn wait_for(&self, n: usize, seconds: u64) -> Vec<ReceivedMail> {
        crate::eventually(
            seconds,
            &format!("{n} e-mail(s) at the SMTP sink"),
            || async {
                let got = self.messages();
                (got.len() >= n).then_some(got)
            },
        )
        .await
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.start_kill();
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

//! HAProxy (Debian's package) in front of several `poort` instances, as in production behind a
//! load balancer: every request goes to the next instance in turn (`balance roundrobin`, and
//! the connection to the instance closed after each answer, so keep-alive does not pin a
//! browser to one), `X-Forwarded-For` set, and an instance that stops answering taken out by
//! its `/api/ready` health check (a request that could not reach it is sent to the other).

use std::path::PathBuf;
use std::process::Stdio;

use tokio::process::{Child, Command};

pub struct Haproxy {
    child: Child,
    pub port: u16,
    /// `http://127.0.0.1:<port>`
    pub url: String,
    pub log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Haproxy {
    /// Starts HAProxy on `port` in front of the instances at `backends` (their ports).
    pub async fn start(port: u16, backends: &[u16]) -> Haproxy {
        let dir = tempfile::tempdir().expect("temporary folder");
        let servers: String = backends
            .iter()
            .enumerate()
            .map(|(i, p)| {
                format!("    server poort{i} 127.0.0.1:{p} check inter 300ms fall 1 rise 2\n")
            })
            .collect();
        let config = format!(
            "global\n    maxconn 512\n\
             defaults\n    mode http\n    timeout connect 2s\n    timeout client 60s\n    timeout server 60s\n\
             \x20   option forwardfor\n    option http-server-close\n    retries 3\n    option redispatch 1\n\
             \x20   retry-on conn-failure empty-response\n\
             frontend extranet\n    bind 127.0.0.1:{port}\n    default_backend poort\n\
             backend poort\n    balance roundrobin\n    option httpchk GET /api/ready\n{servers}"
        );
        let file = dir.path().join("haproxy.cfg");
        std::fs::write(&file, config).expect("write haproxy.cfg");
        let log = dir.path().join("haproxy.log");
        let child = Command::new("haproxy")
            .arg("-db")
            .arg("-f")
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::from(std::fs::File::create(&log).expect("log")))
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start haproxy (cargo xtask test installs it with apt-get): {e}")
            });
        crate::eventually(20, "haproxy to accept connections", || async move {
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .ok()
                .map(|_| ())
        })
        .await;
        Haproxy {
            child,
            port,
            url: format!("http://127.0.0.1:{port}"),
            log,
            _dir: dir,
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

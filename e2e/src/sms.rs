//! A stand-in for the SMS provider's HTTP API: accepts the documented JSON request, records
//! it, and answers with the statuses a test asks for (to exercise retries and dead letters).
//! It stands in for the outside world, not for a part of Poort.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
pub struct SmsRequest {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: serde_json::Value,
}

impl SmsRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Shared {
    requests: Vec<SmsRequest>,
    /// Statuses to answer with, in order; 200 once they run out (or `always` when set).
    planned: VecDeque<u16>,
    always: Option<u16>,
    stalls: usize,
    stall_seconds: u64,
}

#[derive(Clone)]
pub struct SmsGateway {
    pub url: String,
    shared: Arc<Mutex<Shared>>,
}

impl SmsGateway {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let shared = Arc::new(Mutex::new(Shared::default()));
        let state = shared.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = state.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, state).await;
                });
            }
        });
        Self {
            url: format!("http://127.0.0.1:{port}/v1/messages"),
            shared,
        }
    }

    /// Answer the next requests with these statuses, then 200 again.
    pub fn plan(&self, statuses: &[u16]) {
        self.shared.lock().unwrap().planned.extend(statuses);
    }

    /// Keep the next `n` requests waiting without an answer for `seconds` (a gateway that
    /// hangs: the sender's timeout must end the attempt), then answer them 200.
    pub fn stall(&self, n: usize, seconds: u64) {
        let mut s = self.shared.lock().unwrap();
        s.stalls += n;
        s.stall_seconds = seconds;
    }

    /// Answer every request with this status.
    pub fn always(&self, status: u16) {
        self.shared.lock().unwrap().always = Some(status);
    }

    pub fn requests(&self) -> Vec<SmsRequest> {
        self.shared.lock().unwrap().requests.clone()
    }

    pub async fn wait_for(&self, n: usize, seconds: u64) -> Vec<SmsRequest> {
        crate::eventually(
            seconds,
            &format!("{n} request(s) at the SMS gateway"),
            || async {
                let got = self.requests();
                (got.len() >= n).then_some(got)
            },
        )
        .await
    }
}

async fn serve(stream: tokio::net::TcpStream, state: Arc<Mutex<Shared>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).await? == 0 {
            return Ok(());
        }
        let path = request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or("/")
            .to_string();
        let mut headers = Vec::new();
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).await?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                let (k, v) = (k.trim().to_string(), v.trim().to_string());
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.parse().unwrap_or(0);
                }
                headers.push((k, v));
            }
        }
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body).await?;
        let body = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
        let (status, stall) = {
            let mut s = state.lock().unwrap();
            s.requests.push(SmsRequest {
                path,
                headers,
                body,
            });
            if s.stalls > 0 {
                s.stalls -= 1;
                (503, Some(s.stall_seconds))
            } else {
                (s.planned.pop_front().or(s.always).unwrap_or(200), None)
            }
        };
        if let Some(seconds) = stall {
            tokio::time::sleep(std::time::Duration::from_secs(seconds)).await;
        }
        let text = if status < 300 {
            r#"{"status":"accepted"}"#
        } else {
            r#"{"error":"planned failure"}"#
        };
        let response = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{text}",
            text.len()
        );
        reader.get_mut().write_all(response.as_bytes()).await?;
    }
}

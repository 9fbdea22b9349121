//! Shared test helpers: the real binary with a clean AWS environment, moto's server, and a
//! small scriptable HTTP server for what moto cannot do (pagination, throttling, denials).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_ecr-port")
}

/// A command for the release-or-debug binary with a sealed AWS environment: fake keys, no
/// profile files, no instance metadata, logs in a temp dir.
pub struct Env {
    pub home: tempfile::TempDir,
}

impl Default for Env {
    fn default() -> Self {
        Env::new()
    }
}

impl Env {
    pub fn new() -> Env {
        Env {
            home: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.home.path().join(name)
    }

    /// A command with no credentials at all.
    pub fn bare(&self) -> Command {
        let mut cmd = Command::new(bin());
        for var in [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_ENDPOINT_URL",
            "AWS_CONFIG_FILE",
            "AWS_SHARED_CREDENTIALS_FILE",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("HOME", self.home.path())
            .env("AWS_CONFIG_FILE", self.path("aws-config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", self.path("aws-credentials"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("ECR_PORT_STATE_DIR", self.path("state"))
            .env("XDG_CONFIG_HOME", self.path("xdg-config"));
        cmd
    }

    /// A command with moto's fake keys.
    pub fn cmd(&self) -> Command {
        let mut cmd = self.bare();
        cmd.env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing");
        cmd
    }
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null())
        .output()
        .expect("the ecr-port binary runs")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// moto's server on a free loopback port, stopped on drop. Not installed is a failure, not
/// a skip: `scripts/test` installs it.
pub struct Moto {
    child: Child,
    pub url: String,
}

impl Moto {
    /// Started on a port picked free; when another process takes the port first, moto exits
    /// or someone else answers, and it starts again on another one.
    pub fn start() -> Moto {
        let program = std::env::var("MOTO_SERVER").unwrap_or_else(|_| "moto_server".into());
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new(&program)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| {
                    panic!(
                        "cannot start `{program}` ({e}); run scripts/test, which installs moto[server]"
                    )
                });
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                if !matches!(child.try_wait(), Ok(None)) {
                    break; // it could not listen there
                }
                if is_moto(port) {
                    let url = format!("http://127.0.0.1:{port}");
                    return Moto { child, url };
                }
                assert!(
                    Instant::now() < deadline,
                    "moto_server did not start on port {port}"
                );
                thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("moto_server found no free port in five tries");
    }
}

/// Whether moto itself answers on `port`: its own API, which nothing else serves.
fn is_moto(port: u16) -> bool {
    let Ok(mut conn) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    let mut answer = String::new();
    conn.write_all(b"GET /moto-api/data.json HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .is_ok()
        && conn.read_to_string(&mut answer).is_ok()
        && answer.starts_with("HTTP/1.")
        && answer.lines().next().is_some_and(|l| l.contains(" 200 "))
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Seeds moto through the AWS CLI-compatible JSON protocol, from Python's boto3 (installed
/// with moto), so the data path under test is never our own code.
pub fn boto3(moto: &Moto, script: &str) {
    let prelude = format!(
        "import boto3, json, concurrent.futures as cf\n\
         def ecr(region):\n    return boto3.client('ecr', region_name=region, endpoint_url='{}', \
         aws_access_key_id='testing', aws_secret_access_key='testing')\n",
        moto.url
    );
    let out = Command::new("python3")
        .arg("-c")
        .arg(format!("{prelude}{script}"))
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "seeding failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One request the stub received.
#[derive(Debug, Clone)]
pub struct Request {
    pub target: String,
    pub body: serde_json::Value,
    /// The SigV4 `Authorization` header: its `Credential=<key id>/…` names the signing key.
    pub authorization: String,
}

impl Request {
    /// The access key id that signed the request.
    pub fn key_id(&self) -> Option<&str> {
        let (_, rest) = self.authorization.split_once("Credential=")?;
        rest.split('/').next()
    }
}

pub type Handler = dyn Fn(&Request, usize) -> (u16, serde_json::Value) + Send + Sync;

/// A tiny HTTP/1.1 server speaking ECR's JSON protocol through a handler:
/// `(request, how many requests of this operation came before) -> (status, body)`.
pub struct Stub {
    pub url: String,
    pub log: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
}

impl Stub {
    pub fn start(handler: Arc<Handler>) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (log2, stop2) = (log.clone(), stop.clone());
        thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (handler, log) = (handler.clone(), log2.clone());
                thread::spawn(move || serve(conn, handler, log));
            }
        });
        Stub { url, log, stop }
    }

    pub fn count(&self, operation: &str) -> usize {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.target.ends_with(operation))
            .count()
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
    }
}

fn serve(conn: TcpStream, handler: Arc<Handler>, log: Arc<Mutex<Vec<Request>>>) {
    let mut reader = BufReader::new(conn.try_clone().expect("clone"));
    let mut writer = conn;
    loop {
        let mut target = String::new();
        let mut authorization = String::new();
        let mut length = 0usize;
        let mut line = String::new();
        // Request line, then headers.
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((name, value)) = l.split_once(':') {
                match name.to_ascii_lowercase().as_str() {
                    "x-amz-target" => target = value.trim().to_owned(),
                    "authorization" => authorization = value.trim().to_owned(),
                    "content-length" => length = value.trim().parse().unwrap_or(0),
                    _ => {}
                }
            }
        }
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let request = Request {
            target,
            body: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
            authorization,
        };
        let before = {
            let mut log = log.lock().unwrap();
            let n = log.iter().filter(|r| r.target == request.target).count();
            log.push(request.clone());
            n
        };
        let (status, reply) = handler(&request, before);
        let text = reply.to_string();
        let head = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/x-amz-json-1.1\r\n\
             content-length: {}\r\nx-amzn-requestid: stub\r\n\r\n",
            text.len()
        );
        if writer.write_all(head.as_bytes()).is_err() || writer.write_all(text.as_bytes()).is_err()
        {
            return;
        }
    }
}

/// The ECR error body for `code`.
pub fn aws_error(code: &str, message: &str) -> (u16, serde_json::Value) {
    (
        400,
        serde_json::json!({ "__type": code, "message": message }),
    )
}

/// Operation name from `X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.DescribeRepositories`.
pub fn operation(req: &Request) -> &str {
    req.target.rsplit('.').next().unwrap_or("")
}

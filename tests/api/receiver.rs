//! A webhook receiver on loopback for the tests: it verifies every delivery
//! with the Standard Webhooks library (never with the service's own signing
//! code), records what came, and answers as the test tells it.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::Value;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub webhook_id: String,
    pub signature: String,
    pub body: Value,
    /// For each secret the receiver holds, whether the request verifies with it.
    pub verifies: Vec<bool>,
}

impl Received {
    pub fn seq(&self) -> i64 {
        self.body["data"]["seq"].as_str().unwrap().parse().unwrap()
    }

    pub fn verified(&self) -> bool {
        self.verifies.iter().any(|v| *v)
    }
}

#[derive(Default)]
struct State {
    secrets: Vec<String>,
    /// The status answered; 200 unless set.
    answer: Option<u16>,
    /// A `Location` sent with the answer (a redirect).
    location: Option<String>,
    delay: Duration,
    received: Vec<Received>,
}

/// The receiver: listening or not, on a port of its own.
#[derive(Clone)]
pub struct Receiver {
    pub port: u16,
    state: Arc<Mutex<State>>,
    server: Arc<Mutex<Option<ServerHandle>>>,
}

impl Receiver {
    /// A receiver with a port of its own, not listening yet ("down").
    pub fn down() -> Receiver {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Receiver {
            port,
            state: Arc::default(),
            server: Arc::default(),
        }
    }

    /// A receiver listening now.
    pub fn up() -> Receiver {
        let receiver = Receiver::down();
        receiver.start();
        receiver
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    pub fn start(&self) {
        let state = self.state.clone();
        let listener = TcpListener::bind(("127.0.0.1", self.port)).expect("the receiver's port");
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(state.clone()))
                .app_data(web::PayloadConfig::new(1 << 20))
                .default_service(web::to(receive))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        *self.server.lock().unwrap() = Some(server.handle());
        actix_web::rt::spawn(server);
    }

    pub fn add_secret(&self, secret: &str) {
        self.state.lock().unwrap().secrets.push(secret.to_owned());
    }

    pub fn answer(&self, status: u16) {
        self.state.lock().unwrap().answer = Some(status);
    }

    pub fn redirect_to(&self, location: &str) {
        let mut state = self.state.lock().unwrap();
        state.answer = Some(307);
        state.location = Some(location.to_owned());
    }

    pub fn delay(&self, delay: Duration) {
        self.state.lock().unwrap().delay = delay;
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// Waits until `done` holds of what was received (at most `within`).
    pub async fn wait_for(
        &self,
        within: Duration,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let started = std::time::Instant::now();
        loop {
            let received = self.received();
            if done(&received) || started.elapsed() > within {
                return received;
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn receive(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<Arc<Mutex<State>>>,
) -> HttpResponse {
    // The library takes the headers as the `http` crate has them.
    let mut headers = reqwest::header::HeaderMap::new();
    for (name, value) in req.headers() {
        if let (Ok(name), Ok(value)) = (
            reqwest::header::HeaderName::from_bytes(name.as_str().as_bytes()),
            reqwest::header::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            headers.append(name, value);
        }
    }
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (answer, location, delay) = {
        let mut state = state.lock().unwrap();
        let verifies = state
            .secrets
            .iter()
            .map(|secret| {
                standardwebhooks::Webhook::new(secret)
                    .expect("a Standard Webhooks secret")
                    .verify(&body, &headers)
                    .is_ok()
            })
            .collect();
        state.received.push(Received {
            webhook_id: header("webhook-id"),
            signature: header("webhook-signature"),
            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
            verifies,
        });
        (
            state.answer.unwrap_or(200),
            state.location.clone(),
            state.delay,
        )
    };
    if !delay.is_zero() {
        actix_web::rt::time::sleep(delay).await;
    }
    let mut response = HttpResponse::build(actix_web::http::StatusCode::from_u16(answer).unwrap());
    if let Some(location) = location {
        response.insert_header(("Location", location));
    }
    response.finish()
}

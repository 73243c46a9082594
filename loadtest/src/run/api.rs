//! The HTTP client side: timed API calls and the few calls every scenario
//! needs (log in, find how many seeded users there are).

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::{json, Value};

use crate::population;
use crate::report::{Outcome, Recorder};

/// A signed-in user.
#[derive(Clone, Debug)]
pub struct Auth {
    pub user_id: i64,
    pub username: String,
    pub token: String,
    /// Log in again after this, before the access token expires.
    pub renew_at: Instant,
}

#[derive(Clone)]
pub struct Api {
    client: Client,
    base: String,
}

impl Api {
    pub fn new(base: &str, connections: usize) -> anyhow::Result<Self> {
        let client = Client::builder()
            .pool_max_idle_per_host(connections)
            .timeout(Duration::from_secs(60))
            .tcp_nodelay(true)
            .build()
            .context("building the HTTP client")?;
        Ok(Self {
            client,
            base: base.trim_end_matches('/').to_owned(),
        })
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.client.get(format!("{}{path}", self.base))
    }

    pub fn post(&self, path: &str) -> RequestBuilder {
        self.client.post(format!("{}{path}", self.base))
    }

    pub fn put(&self, path: &str) -> RequestBuilder {
        self.client.put(format!("{}{path}", self.base))
    }

    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.client.delete(format!("{}{path}", self.base))
    }

    /// Sends `request`, reads the whole answer and records it as `op`, with
    /// the latency counted from `due`. Returns the JSON body of a success
    /// (`Null` when empty), `None` for anything else.
    pub async fn call(
        &self,
        recorder: &Recorder,
        op: &str,
        request: RequestBuilder,
        due: Instant,
    ) -> Option<Value> {
        let (outcome, body) = match request.send().await {
            Err(e) => (Outcome::Failed(failure_kind(&e)), None),
            Ok(response) => {
                let status = response.status();
                match response.bytes().await {
                    Err(e) => (Outcome::Failed(failure_kind(&e)), None),
                    Ok(_) if !status.is_success() => (Outcome::Status(status.as_u16()), None),
                    Ok(bytes) if bytes.is_empty() => (Outcome::Ok, Some(Value::Null)),
                    Ok(bytes) => match serde_json::from_slice(&bytes) {
                        Ok(value) => (Outcome::Ok, Some(value)),
                        Err(_) => (Outcome::Failed("bad_json"), None),
                    },
                }
            }
        };
        recorder.record(op, due.elapsed(), outcome);
        body
    }

    /// `POST /api/auth/login` as seeded user `id`, recorded as `op`.
    pub async fn login(
        &self,
        recorder: &Recorder,
        op: &str,
        id: u64,
        password: &str,
        due: Instant,
    ) -> Option<Auth> {
        let username = population::username(id);
        self.login_as(recorder, op, &username, password, due).await
    }

    /// `POST /api/auth/login` as `username`, recorded as `op`.
    pub async fn login_as(
        &self,
        recorder: &Recorder,
        op: &str,
        username: &str,
        password: &str,
        due: Instant,
    ) -> Option<Auth> {
        let request = self
            .post("/api/auth/login")
            .json(&json!({ "login": username, "password": password }));
        let body = self.call(recorder, op, request, due).await?;
        auth_from(&body)
    }

    /// How many seeded users the server has: the largest `id` whose
    /// username exists, found by doubling then bisecting.
    pub async fn count_seeded_users(&self) -> anyhow::Result<u64> {
        if !self.user_exists(1).await? {
            bail!(
                "{} has no seeded user {:?}: run `loadtest seed` on its database first",
                self.base,
                population::username(1)
            );
        }
        let mut known = 1;
        let mut missing = 2;
        while self.user_exists(missing).await? {
            known = missing;
            missing *= 2;
        }
        while missing - known > 1 {
            let middle = known + (missing - known) / 2;
            if self.user_exists(middle).await? {
                known = middle;
            } else {
                missing = middle;
            }
        }
        Ok(known)
    }

    async fn user_exists(&self, id: u64) -> anyhow::Result<bool> {
        let path = format!("/api/users/{}", population::username(id));
        let response = self
            .get(&path)
            .send()
            .await
            .with_context(|| format!("cannot reach {}", self.base))?;
        match response.status() {
            StatusCode::OK => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            other => bail!("GET {path} answered {other}"),
        }
    }
}

/// Reads the `{user, access_token, expires_in}` answer of a login.
pub fn auth_from(body: &Value) -> Option<Auth> {
    let lifetime = Duration::from_secs(body["expires_in"].as_u64().unwrap_or(900));
    Some(Auth {
        user_id: body["user"]["id"].as_i64()?,
        username: body["user"]["username"].as_str()?.to_owned(),
        token: body["access_token"].as_str()?.to_owned(),
        // A minute of slack, or half the lifetime when that is shorter.
        renew_at: Instant::now()
            + lifetime.saturating_sub(Duration::from_secs(60).min(lifetime / 2)),
    })
}

fn failure_kind(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "connect"
    } else {
        "io"
    }
}

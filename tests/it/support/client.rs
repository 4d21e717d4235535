//! The typed test client: people with roles, a browser that signs in and
//! submits forms with its session's CSRF token, an API client with a bearer
//! token, and replies whose assertions print the body when they fail.
//!
//! A test says who acts and what they send; how a form gets its token or a
//! request its `Authorization` header is written here once.

use radnice::audit::Actor;
use radnice::auth::{Role, password, store};
use reqwest::Method;
use reqwest::header::HeaderMap;

use super::{Client, PASSWORD, TestApp, csrf_from};

/// A user in the store, as the CLI or an admin creates one.
#[derive(Clone, Debug)]
pub struct Person {
    pub id: String,
    pub email: String,
}

impl TestApp {
    /// A user with these roles, acting for these publishers (slugs).
    pub fn person(&self, email: &str, roles: &[Role], publishers: &[&str]) -> Person {
        let hash = password::hash(PASSWORD).expect("hash");
        let publishers: Vec<String> = publishers.iter().map(|s| s.to_string()).collect();
        let u = store::create_user(
            &mut self.conn(),
            &Actor::system("test"),
            store::NewUser {
                email,
                display_name: email,
                password_hash: &hash,
                roles,
                publishers: &publishers,
            },
        )
        .expect("create user");
        Person {
            id: u.id,
            email: email.to_string(),
        }
    }

    /// A browser signed in as `person`.
    pub async fn browser_of(&self, person: &Person) -> Client {
        let c = self.client();
        c.login(&person.email, PASSWORD).await;
        c
    }

    /// A new user with these roles, signed in in a browser of their own.
    pub async fn signed_in(&self, email: &str, roles: &[Role]) -> Client {
        let p = self.person(email, roles, &[]);
        self.browser_of(&p).await
    }

    /// The API as `person` sees it, with a new token of theirs.
    pub fn api_of(&self, person: &Person) -> Api {
        Api {
            base: self.base.clone(),
            http: reqwest::Client::new(),
            token: Some(self.add_token(&person.id)),
        }
    }

    /// The API with this bearer token (a device's, say).
    pub fn api_with(&self, token: &str) -> Api {
        Api {
            base: self.base.clone(),
            http: reqwest::Client::new(),
            token: Some(token.to_string()),
        }
    }

    /// The API as an anonymous caller sees it.
    pub fn api(&self) -> Api {
        Api {
            base: self.base.clone(),
            http: reqwest::Client::new(),
            token: None,
        }
    }
}

/// What a form carries as its CSRF token.
#[derive(Clone, Debug)]
pub enum Csrf {
    /// No token at all.
    None,
    /// This token, whoever's it is (another session's, a forged one).
    Token(String),
    /// The token of this browser's session, as its pages carry it.
    Session,
}

impl Client {
    /// The CSRF token this browser's pages carry now.
    pub async fn session_token(&self) -> String {
        self.csrf("/login").await
    }

    /// Submits a URL-encoded form as the browser would, with its session's
    /// token.
    pub async fn submit(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        self.submit_with(path, fields, Csrf::Session).await
    }

    /// Submits a URL-encoded form with the given CSRF state.
    pub async fn submit_with(&self, path: &str, fields: &[(&str, &str)], csrf: Csrf) -> Reply {
        let token = match csrf {
            Csrf::None => None,
            Csrf::Token(t) => Some(t),
            Csrf::Session => Some(self.session_token().await),
        };
        let mut all: Vec<(&str, &str)> = Vec::with_capacity(fields.len() + 1);
        if let Some(t) = &token {
            all.push(("csrf_token", t));
        }
        all.extend_from_slice(fields);
        Reply::read(self.post_form(path, &all).await).await
    }

    /// Submits a multipart form (an upload) with the given CSRF state; the
    /// token is the first part, as the page's form sends it.
    pub async fn submit_multipart(&self, path: &str, fields: &[(&str, &str)], csrf: Csrf) -> Reply {
        let mut form = reqwest::multipart::Form::new();
        match csrf {
            Csrf::None => {}
            Csrf::Token(t) => form = form.text("csrf_token", t),
            Csrf::Session => form = form.text("csrf_token", self.session_token().await),
        }
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        let res = self
            .http
            .post(self.url(path))
            .multipart(form)
            .send()
            .await
            .expect("POST multipart");
        Reply::read(res).await
    }

    /// A page, read whole.
    pub async fn page(&self, path: &str) -> Reply {
        Reply::read(self.get(path).await).await
    }

    /// Logs in through the form and answers what the server said, for tests
    /// of refused logins.
    pub async fn try_login(&self, email: &str, pw: &str) -> Reply {
        self.submit("/login", &[("email", email), ("password", pw)])
            .await
    }
}

/// The JSON API, anonymous or with a bearer token.
pub struct Api {
    base: String,
    http: reqwest::Client,
    pub token: Option<String>,
}

impl Api {
    /// A request to build further (headers, body) before `send`.
    pub fn request(&self, method: Method, path: &str) -> ApiRequest {
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        ApiRequest(req)
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.request(Method::GET, path).send().await
    }

    pub async fn post(&self, path: &str, body: &serde_json::Value) -> Reply {
        self.request(Method::POST, path).json(body).send().await
    }

    /// A POST with no body (publish and the like).
    pub async fn post_empty(&self, path: &str) -> Reply {
        self.request(Method::POST, path).send().await
    }

    pub async fn put(&self, path: &str, body: &serde_json::Value) -> Reply {
        self.request(Method::PUT, path).json(body).send().await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.request(Method::DELETE, path).send().await
    }
}

pub struct ApiRequest(reqwest::RequestBuilder);

impl ApiRequest {
    pub fn json(self, body: &serde_json::Value) -> ApiRequest {
        ApiRequest(self.0.json(body))
    }

    pub fn header(self, name: &str, value: &str) -> ApiRequest {
        ApiRequest(self.0.header(name, value))
    }

    pub fn body(self, content_type: &str, body: impl Into<reqwest::Body>) -> ApiRequest {
        ApiRequest(self.0.header("Content-Type", content_type).body(body))
    }

    pub async fn send(self) -> Reply {
        Reply::read(self.0.send().await.expect("request")).await
    }
}

/// A response read whole: status, headers and body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub async fn read(res: reqwest::Response) -> Reply {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.text().await.expect("body");
        Reply {
            status,
            headers,
            body,
        }
    }

    /// Asserts the status, printing the body when it is another.
    #[track_caller]
    pub fn expect(self, status: u16) -> Reply {
        assert_eq!(
            self.status, status,
            "unexpected status; body:\n{}",
            self.body
        );
        self
    }

    /// A header's value, or "" when it is absent.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Where a redirect points.
    pub fn location(&self) -> &str {
        self.header("location")
    }

    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.body))
    }

    /// The CSRF token of a form on this page.
    #[track_caller]
    pub fn csrf(&self) -> String {
        csrf_from(&self.body).expect("a csrf_token on the page")
    }

    pub fn contains(&self, text: &str) -> bool {
        self.body.contains(text)
    }
}

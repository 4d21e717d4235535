//! Login, logout, user administration, one's own account and API tokens.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::identity::SESSION_COOKIE;
use super::security_log::{self, Kind};
use super::{Identity, Permission, Role, authorize, csrf, password, store};
use crate::AppState;
use crate::error::{AppError, AppResult, FieldError};
use crate::web::forms::Form;
use crate::web::{Page, form_status, safe_next, see_other};

// --- login / logout ---------------------------------------------------------

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub(crate) async fn login_form(page: Page, q: web::Query<NextQuery>) -> AppResult<HttpResponse> {
    let mut ctx = page.context();
    ctx.insert("next", &safe_next(q.next.as_deref()));
    ctx.insert("email", "");
    ctx.insert("failed", &false);
    page.render("auth/login.html", &ctx)
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

pub(crate) async fn login(
    req: HttpRequest,
    page: Page,
    form: Form<LoginForm>,
) -> AppResult<HttpResponse> {
    let state = page.state.clone();
    let addr = crate::web::request_ip(&req);
    let account = store::normalize_email(&form.email);
    if let Err(wait) = state.throttle.reserve(&account, &addr) {
        return Err(AppError::TooManyRequests { retry_after: wait });
    }
    let hours = state.config.session_hours;
    let pw = form.password.clone();
    let email = account.clone();
    let ip = addr.clone();
    let session = crate::db::run(&state.pool, move |c| {
        let user = store::find_by_email(c, &email)?;
        // Spend the same work whether or not the account exists, and say
        // nothing about which part was wrong.
        let ok = match &user {
            Some(u) => password::verify(&pw, &u.password_hash) && u.active,
            None => {
                password::dummy_verify(&pw);
                false
            }
        };
        // Each attempt is in the security log (throttled ones are refused
        // before this, so an attacker cannot flood it).
        let (kind, why, secret) = match (ok, &user) {
            (true, Some(u)) => (
                Kind::Login,
                None,
                Some(store::create_session(c, &u.id, hours)?),
            ),
            (_, None) => (Kind::LoginFailed, Some("unknown account"), None),
            (_, Some(u)) if !u.active => (Kind::LoginFailed, Some("account disabled"), None),
            (_, Some(_)) => (Kind::LoginFailed, Some("wrong password"), None),
        };
        let who = security_log::Who {
            user_id: user.as_ref().map(|u| u.id.as_str()),
            account: &email,
            ip: &ip,
        };
        security_log::record(c, kind, who, why)?;
        Ok::<_, diesel::result::Error>(secret)
    })
    .await?;
    let Some(secret) = session else {
        let mut ctx = page.context();
        ctx.insert("next", &safe_next(form.next.as_deref()));
        ctx.insert("email", &form.email);
        ctx.insert("failed", &true);
        return page.render_status(
            actix_web::http::StatusCode::UNAUTHORIZED,
            "auth/login.html",
            &ctx,
        );
    };
    state.throttle.succeed(&account, &addr);
    let secure = state.config.base_is_https();
    let cookie = Cookie::build(SESSION_COOKIE, secret)
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .finish();
    // A new CSRF token with the new session: one seen before login is not
    // reused after it.
    let fresh_csrf = csrf::cookie(&super::random_secret(), secure);
    // Without a page to return to, a user starts at their work.
    let next = match safe_next(form.next.as_deref()) {
        home if home == "/" => crate::work::START.to_string(),
        other => other,
    };
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", next))
        .cookie(cookie)
        .cookie(fresh_csrf)
        .finish())
}

pub(crate) async fn logout(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let user = authorize(&identity, Permission::ManageOwnAccount)?.clone();
    let ip = crate::web::request_ip(&req);
    let secret = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
    crate::db::run(&state.pool, move |conn| {
        if let Some(secret) = &secret {
            store::delete_session(conn, secret)?;
        }
        let who = security_log::Who {
            user_id: Some(&user.id),
            account: &user.email,
            ip: &ip,
        };
        security_log::record(conn, Kind::Logout, who, None)
    })
    .await?;
    let mut gone = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    gone.make_removal();
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/"))
        .cookie(gone)
        .finish())
}

// --- user administration ----------------------------------------------------

fn role_options(page: &Page, selected: &[Role]) -> Vec<serde_json::Value> {
    Role::ALL
        .iter()
        .map(|r| {
            serde_json::json!({
                "value": r.as_str(),
                "label": page.t(&format!("role_{}", r.as_str())),
                "checked": selected.contains(r),
            })
        })
        .collect()
}

/// The user list with the new-user form, empty or as submitted with errors.
pub(crate) async fn render_users(
    page: &Page,
    submitted: Option<(&UserForm, &[FieldError])>,
) -> AppResult<HttpResponse> {
    let users = crate::db::run(&page.state.pool, store::list_users).await?;
    let (selected, form, errors): (Vec<Role>, serde_json::Value, &[FieldError]) = match submitted {
        Some((f, errors)) => (
            f.roles.iter().filter_map(|r| Role::parse(r)).collect(),
            serde_json::json!({"email": f.email, "display_name": f.display_name}),
            errors,
        ),
        None => (
            Vec::new(),
            serde_json::json!({"email": "", "display_name": ""}),
            &[],
        ),
    };
    let chosen: &[String] = submitted
        .map(|(f, _)| f.publishers.as_slice())
        .unwrap_or(&[]);
    let mut ctx = page.context();
    ctx.insert("users", &users);
    ctx.insert("publishers", &publisher_options(page, chosen).await?);
    ctx.insert("roles", &role_options(page, &selected));
    ctx.insert("form", &form);
    ctx.insert("errors", &field_map(page, errors));
    page.render_status(form_status(errors), "auth/users.html", &ctx)
}

/// Publisher checkboxes; unknown slugs in `selected` are reported by the caller.
pub(crate) async fn publisher_options(
    page: &Page,
    selected: &[String],
) -> AppResult<Vec<serde_json::Value>> {
    let all = crate::db::run(&page.state.pool, store::publisher_choices).await?;
    Ok(all
        .into_iter()
        .map(|(slug, name_cs, name_en)| {
            serde_json::json!({
                "label": if page.lang == crate::web::Lang::En { name_en.unwrap_or(name_cs) } else { name_cs },
                "checked": selected.contains(&slug),
                "value": slug,
            })
        })
        .collect())
}

/// Refuses publisher slugs that do not exist.
pub(crate) async fn check_publishers(
    state: &AppState,
    slugs: &[String],
    errors: &mut Vec<FieldError>,
) -> AppResult<()> {
    if slugs.is_empty() {
        return Ok(());
    }
    let known = crate::db::run(&state.pool, store::publisher_choices).await?;
    if slugs
        .iter()
        .any(|s| !known.iter().any(|(slug, _, _)| slug == s))
    {
        errors.push(FieldError::new("publishers", "user_publisher_unknown"));
    }
    Ok(())
}

pub(crate) async fn users_page(page: Page) -> AppResult<HttpResponse> {
    authorize(&page.identity, Permission::ManageUsers)?;
    render_users(&page, None).await
}

#[derive(Deserialize)]
pub struct UserForm {
    email: String,
    display_name: String,
    password: String,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    publishers: Vec<String>,
}

/// Field errors keyed by field, translated, for the templates.
fn field_map(page: &Page, errors: &[FieldError]) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for e in errors {
        map.insert(e.field.clone(), serde_json::json!(page.t(&e.message)));
    }
    serde_json::Value::Object(map)
}

fn parse_roles(raw: &[String], errors: &mut Vec<FieldError>) -> Vec<Role> {
    let mut roles = Vec::new();
    for r in raw {
        match Role::parse(r) {
            Some(role) => roles.push(role),
            None => errors.push(FieldError::new("roles", "user_role_unknown")),
        }
    }
    roles
}

fn validate_new_user(email: &str, display_name: &str, pw: &str, errors: &mut Vec<FieldError>) {
    if !store::valid_email(email) {
        errors.push(FieldError::new("email", "user_email_invalid"));
    }
    if display_name.trim().is_empty() || display_name.chars().count() > 200 {
        errors.push(FieldError::new("display_name", "user_name_required"));
    }
    if let Err(key) = password::check_strength(pw) {
        errors.push(FieldError::new("password", key));
    }
}

pub(crate) async fn create_user(page: Page, form: Form<UserForm>) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let actor = authorize(&page.identity, Permission::ManageUsers)?.actor();
    let mut errors = Vec::new();
    validate_new_user(&form.email, &form.display_name, &form.password, &mut errors);
    let roles = parse_roles(&form.roles, &mut errors);
    check_publishers(&page.state, &form.publishers, &mut errors).await?;
    let result = if errors.is_empty() {
        let hash = password::hash_off_executor(&form.password).await?;
        let (email, name) = (form.email.clone(), form.display_name.clone());
        let publishers = form.publishers.clone();
        crate::db::run(&page.state.pool, move |c| {
            store::create_user(
                c,
                &actor,
                store::NewUser {
                    email: &email,
                    display_name: &name,
                    password_hash: &hash,
                    roles: &roles,
                    publishers: &publishers,
                },
            )
        })
        .await
        .map_err(crate::error::AppError::from)
    } else {
        Err(AppError::Validation(errors))
    };
    match result {
        Ok(user) => Ok(see_other(&format!("/admin/users/{}", user.id))),
        Err(AppError::Validation(errors)) => render_users(&page, Some((&form, &errors))).await,
        Err(e) => Err(e),
    }
}

/// The user's edit page; `roles` and `errors` when a submitted form is shown again.
pub(crate) async fn render_user(
    page: &Page,
    id: String,
    submitted: Option<(&[Role], &[String])>,
    errors: &[FieldError],
) -> AppResult<HttpResponse> {
    render_user_with(page, id, submitted, errors, None).await
}

/// What the admin is shown once after asking for a reset link that could
/// not be mailed: the link itself, and why it was not sent.
#[derive(serde::Serialize)]
pub(crate) struct ResetShown {
    link: String,
    /// `None`: no SMTP relay is configured; else the sending error.
    failure: Option<String>,
}

async fn render_user_with(
    page: &Page,
    id: String,
    submitted: Option<(&[Role], &[String])>,
    errors: &[FieldError],
    reset: Option<ResetShown>,
) -> AppResult<HttpResponse> {
    let user = crate::db::run(&page.state.pool, move |c| {
        match store::find_by_id(c, &id)? {
            Some(u) => store::view(c, &u).map(Some),
            None => Ok::<_, diesel::result::Error>(None),
        }
    })
    .await?
    .ok_or(AppError::NotFound)?;
    let mut ctx = page.context();
    let (roles, publishers) = submitted.unwrap_or((&user.roles, &user.publishers));
    ctx.insert("roles", &role_options(page, roles));
    ctx.insert("publishers", &publisher_options(page, publishers).await?);
    ctx.insert("subject", &user);
    ctx.insert("errors", &field_map(page, errors));
    ctx.insert("reset", &reset);
    page.render_status(form_status(errors), "auth/user.html", &ctx)
}

pub(crate) async fn user_page(page: Page, id: web::Path<String>) -> AppResult<HttpResponse> {
    authorize(&page.identity, Permission::ManageUsers)?;
    render_user(&page, id.into_inner(), None, &[]).await
}

#[derive(Deserialize)]
pub struct UserUpdateForm {
    display_name: String,
    #[serde(default)]
    active: Option<String>,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    publishers: Vec<String>,
}

pub(crate) async fn update_user(
    page: Page,
    id: web::Path<String>,
    form: Form<UserUpdateForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let me = authorize(&page.identity, Permission::ManageUsers)?;
    let actor = me.actor();
    let id = id.into_inner();
    let mut errors = Vec::new();
    if form.display_name.trim().is_empty() {
        errors.push(FieldError::new("display_name", "user_name_required"));
    }
    let roles = parse_roles(&form.roles, &mut errors);
    let active = form.active.is_some();
    // An admin cannot lock himself out: the last way back in is kept.
    if me.id == id && (!active || !roles.contains(&Role::Admin)) {
        errors.push(FieldError::new("roles", "user_cannot_demote_self"));
    }
    check_publishers(&page.state, &form.publishers, &mut errors).await?;
    if !errors.is_empty() {
        return render_user(&page, id, Some((&roles, &form.publishers)), &errors).await;
    }
    let target = id.clone();
    let name = form.display_name.clone();
    let publishers = form.publishers.clone();
    crate::db::run(&page.state.pool, move |c| {
        store::update_user(
            c,
            &actor,
            &target,
            store::UserUpdate {
                display_name: &name,
                roles: &roles,
                publishers: &publishers,
                active,
            },
        )
    })
    .await?;
    Ok(see_other(&format!("/admin/users/{id}")))
}

// --- own account and tokens --------------------------------------------------

pub(crate) async fn account_page(
    page: &Page,
    new_token: Option<&str>,
    errors: &[FieldError],
) -> AppResult<HttpResponse> {
    let user = authorize(&page.identity, Permission::ManageOwnAccount)?;
    let uid = user.id.clone();
    let (tokens, changed) = crate::db::run(&page.state.pool, move |c| {
        Ok::<_, diesel::result::Error>((
            store::tokens_of(c, &uid)?,
            store::password_changed_at(c, &uid)?,
        ))
    })
    .await?;
    let tokens: Vec<serde_json::Value> = tokens
        .iter()
        .map(|t| {
            serde_json::json!({
                "id": t.id,
                "name": t.name,
                "created_at": crate::web::local_time(&t.created_at),
                "last_used_at": t.last_used_at.as_ref().map(crate::web::local_time),
                "revoked": t.revoked_at.is_some(),
            })
        })
        .collect();
    let mut ctx = page.context();
    ctx.insert("tokens", &tokens);
    ctx.insert(
        "password_changed",
        &changed.as_ref().map(crate::web::local_time),
    );
    ctx.insert("new_token", &new_token);
    ctx.insert("errors", &field_map(page, errors));
    page.render_status(form_status(errors), "auth/account.html", &ctx)
}

pub(crate) async fn account(page: Page) -> AppResult<HttpResponse> {
    account_page(&page, None, &[]).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    /// A checkbox: also revoke every API token.
    revoke_tokens: Option<String>,
}

pub(crate) async fn change_password(
    req: HttpRequest,
    page: Page,
    form: Form<PasswordForm>,
) -> AppResult<HttpResponse> {
    let user = authorize(&page.identity, Permission::ManageOwnAccount)?.clone();
    let mut errors = Vec::new();
    if let Err(key) = password::check_strength(&form.new_password) {
        errors.push(FieldError::new("new_password", key));
    }
    // A stolen session must not become a way to guess the password: the
    // check is throttled like the login, per account and address.
    let addr = crate::web::request_ip(&req);
    let throttle_key = format!("password-change:{}", user.id);
    if let Err(wait) = page.state.throttle.reserve(&throttle_key, &addr) {
        return Err(AppError::TooManyRequests { retry_after: wait });
    }
    let uid = user.id.clone();
    let stored = crate::db::run(&page.state.pool, move |c| store::find_by_id(c, &uid))
        .await?
        .ok_or(AppError::NotFound)?;
    if !password::verify_off_executor(&form.current_password, &stored.password_hash).await {
        errors.push(FieldError::new("current_password", "password_wrong"));
        log_event(
            &page,
            &req,
            &user,
            Kind::PasswordChangeFailed,
            Some("wrong password"),
        )
        .await?;
    } else {
        page.state.throttle.succeed(&throttle_key, &addr);
    }
    if !errors.is_empty() {
        return account_page(&page, None, &errors).await;
    }
    let hash = password::hash_off_executor(&form.new_password).await?;
    let actor = user.actor();
    let keep = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
    let revoke_tokens = form.revoke_tokens.is_some();
    let uid = user.id.clone();
    crate::db::run(&page.state.pool, move |c| {
        store::set_password(
            c,
            &actor,
            &uid,
            store::PasswordChange {
                password_hash: &hash,
                keep_session: keep.as_deref(),
                revoke_tokens,
            },
        )
    })
    .await?;
    let detail = revoke_tokens.then_some("API tokens revoked");
    log_event(&page, &req, &user, Kind::PasswordChanged, detail).await?;
    Ok(see_other("/account"))
}

/// One event of the signed-in user in the security log.
async fn log_event(
    page: &Page,
    req: &HttpRequest,
    user: &crate::auth::CurrentUser,
    kind: Kind,
    detail: Option<&str>,
) -> AppResult<()> {
    let ip = crate::web::request_ip(req);
    let (id, email) = (user.id.clone(), user.email.clone());
    let detail = detail.map(str::to_string);
    crate::db::run(&page.state.pool, move |c| {
        let who = security_log::Who {
            user_id: Some(&id),
            account: &email,
            ip: &ip,
        };
        security_log::record(c, kind, who, detail.as_deref())
    })
    .await
    .map_err(crate::error::AppError::from)
}

#[derive(Deserialize)]
pub struct TokenForm {
    name: String,
}

pub(crate) async fn create_token(
    req: HttpRequest,
    page: Page,
    form: Form<TokenForm>,
) -> AppResult<HttpResponse> {
    let user = authorize(&page.identity, Permission::ManageOwnAccount)?.clone();
    let name = form.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        return account_page(
            &page,
            None,
            &[FieldError::new("name", "token_name_required")],
        )
        .await;
    }
    let actor = user.actor();
    let (uid, label) = (user.id.clone(), name.clone());
    let (_, secret) = crate::db::run(&page.state.pool, move |c| {
        store::create_token(c, &actor, &uid, &label)
    })
    .await?;
    log_event(&page, &req, &user, Kind::TokenCreated, Some(&name)).await?;
    // The secret is shown on this one response and never again.
    account_page(&page, Some(&secret), &[]).await
}

pub(crate) async fn revoke_token(
    req: HttpRequest,
    page: Page,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let user = authorize(&page.identity, Permission::ManageOwnAccount)?.clone();
    let actor = user.actor();
    let token_id = id.into_inner();
    let (uid, tid) = (user.id.clone(), token_id.clone());
    crate::db::run(&page.state.pool, move |c| {
        store::revoke_token(c, &actor, &uid, &tid)
    })
    .await?;
    log_event(&page, &req, &user, Kind::TokenRevoked, Some(&token_id)).await?;
    Ok(see_other("/account"))
}

// --- security log ---------------------------------------------------------------

#[derive(Deserialize, Default, serde::Serialize)]
pub struct SecurityQuery {
    kind: Option<String>,
    account: Option<String>,
    ip: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<i64>,
}

/// The admin's security log, newest first, filtered.
pub(crate) async fn security_page(
    page: Page,
    q: web::Query<SecurityQuery>,
) -> AppResult<HttpResponse> {
    authorize(&page.identity, Permission::ViewAuditLog)?;
    let q = q.into_inner();
    let filter = security_log::Filter {
        kind: crate::web::filled(&q.kind).filter(|k| Kind::ALL.iter().any(|x| x.as_str() == k)),
        account: crate::web::filled(&q.account),
        ip: crate::web::filled(&q.ip),
        from: crate::web::day(&q.from, "from")?,
        // "to" is inclusive for people: up to the end of that day.
        to: crate::web::day(&q.to, "to")?.map(|d| d + chrono::Duration::days(1)),
    };
    let page_no = crate::web::page_number(q.page)?;
    let (rows, more) = crate::db::run(&page.state.pool, move |c| {
        security_log::list(c, &filter, page_no, 50)
    })
    .await?;
    let rows: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "at": crate::web::local_time(&r.at),
                "kind": r.kind,
                "account": r.account,
                "ip": r.ip,
                "detail": r.detail,
            })
        })
        .collect();
    let (form, base_query) = crate::web::filter_fields(&[
        ("kind", &q.kind),
        ("account", &q.account),
        ("ip", &q.ip),
        ("from", &q.from),
        ("to", &q.to),
    ]);
    let mut ctx = page.context();
    ctx.insert("rows", &rows);
    ctx.insert("form", &form);
    ctx.insert(
        "kinds",
        &page.options(Kind::ALL.iter().map(|k| k.as_str()), "security_kind_"),
    );
    ctx.insert("page_no", &page_no);
    ctx.insert("more", &more);
    ctx.insert("base_query", &base_query);
    page.render("auth/security.html", &ctx)
}

// --- JSON API -----------------------------------------------------------------

pub(crate) async fn api_me(identity: Identity) -> AppResult<HttpResponse> {
    let user = identity.user().ok_or(AppError::Unauthenticated)?;
    Ok(HttpResponse::Ok().json(user))
}

pub(crate) async fn api_users(
    identity: Identity,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    authorize(&identity, Permission::ManageUsers)?;
    let users = crate::db::run(&state.pool, store::list_users).await?;
    Ok(HttpResponse::Ok().json(users))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiNewUser {
    email: String,
    display_name: String,
    password: String,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    publishers: Vec<String>,
}

pub(crate) async fn api_create_user(
    state: web::Data<AppState>,
    req: super::guard::Authorized<super::guard::ManageUsers, web::Json<ApiNewUser>>,
) -> AppResult<HttpResponse> {
    let user = &req.user;
    let body = req.body;
    // Cookie-authenticated browsers must use the HTML forms (which carry a
    // CSRF token); the JSON API is for bearer tokens.
    if !user.via_token {
        return Err(AppError::Unauthenticated);
    }
    let actor = user.actor();
    let body = body.into_inner();
    let mut errors = Vec::new();
    validate_new_user(&body.email, &body.display_name, &body.password, &mut errors);
    let roles = parse_roles(&body.roles, &mut errors);
    check_publishers(&state, &body.publishers, &mut errors).await?;
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let hash = password::hash_off_executor(&body.password).await?;
    let created = crate::db::run(&state.pool, move |c| {
        store::create_user(
            c,
            &actor,
            store::NewUser {
                email: &body.email,
                display_name: &body.display_name,
                password_hash: &hash,
                roles: &roles,
                publishers: &body.publishers,
            },
        )
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/users/{}", created.id)))
        .json(created))
}

// --- passwords an admin sets or a link resets -----------------------------

#[derive(Deserialize)]
pub struct NewPasswordForm {
    #[serde(default)]
    new_password: String,
}

/// The admin sets a user's password (a user who forgot theirs and cannot
/// get mail); the user's sessions end.
pub(crate) async fn admin_set_password(
    page: Page,
    id: web::Path<String>,
    form: Form<NewPasswordForm>,
) -> AppResult<HttpResponse> {
    let admin = authorize(&page.identity, Permission::ManageUsers)?.clone();
    let id = id.into_inner();
    if let Err(key) = password::check_strength(&form.new_password) {
        let errors = [FieldError::new("new_password", key)];
        return render_user(&page, id, None, &errors).await;
    }
    let hash = password::hash_off_executor(&form.new_password).await?;
    let uid = id.clone();
    crate::db::run(&page.state.pool, move |c| {
        store::set_password(
            c,
            &admin.actor(),
            &uid,
            store::PasswordChange {
                password_hash: &hash,
                keep_session: None,
                revoke_tokens: false,
            },
        )
        .map_err(user_error)
    })
    .await?;
    Ok(page.see_other_saying(&format!("/admin/users/{id}"), "flash_password_set"))
}

/// The admin sends the user a one-time link to set a new password: by mail
/// when a relay is configured, else shown to the admin once to pass on.
pub(crate) async fn admin_reset_link(page: Page, id: web::Path<String>) -> AppResult<HttpResponse> {
    let admin = authorize(&page.identity, Permission::ManageUsers)?.clone();
    let id = id.into_inner();
    let uid = id.clone();
    let (secret, email) = crate::db::run(&page.state.pool, move |c| {
        let user = store::find_by_id(c, &uid)?.ok_or(AppError::NotFound)?;
        let secret = store::create_reset(c, &admin.actor(), &uid).map_err(user_error)?;
        Ok::<_, AppError>((secret, user.email))
    })
    .await?;
    let link = format!("{}/password-reset/{secret}", page.state.config.base());
    let mail = crate::mail::Mail {
        to: email,
        subject: page.t("reset_mail_subject").to_string(),
        body: page
            .t("reset_mail_body")
            .replace("{link}", &link)
            .replace("{hours}", &store::RESET_HOURS.to_string()),
    };
    let config = page.state.config.clone();
    let sent = web::block(move || crate::mail::send(&config, &mail)).await?;
    match sent {
        Ok(true) => Ok(page.see_other_saying(&format!("/admin/users/{id}"), "flash_reset_sent")),
        Ok(false) => {
            let shown = ResetShown {
                link,
                failure: None,
            };
            render_user_with(&page, id, None, &[], Some(shown)).await
        }
        Err(e) => {
            log::warn!("a reset link could not be mailed: {e:#}");
            let shown = ResetShown {
                link,
                failure: Some(format!("{e:#}")),
            };
            render_user_with(&page, id, None, &[], Some(shown)).await
        }
    }
}

fn user_error(e: store::UserError) -> AppError {
    match e {
        store::UserError::NotFound => AppError::NotFound,
        other => AppError::Internal(anyhow::anyhow!("{other}")),
    }
}

/// The page a reset link opens: a form for the new password, or why the
/// link does not work (410: spent, expired or never given).
pub(crate) async fn reset_form(page: Page, secret: web::Path<String>) -> AppResult<HttpResponse> {
    let secret = secret.into_inner();
    let s = secret.clone();
    let user = crate::db::run(&page.state.pool, move |c| store::reset_user(c, &s)).await?;
    render_reset(&page, &secret, user.is_some(), &[])
}

fn render_reset(
    page: &Page,
    secret: &str,
    works: bool,
    errors: &[FieldError],
) -> AppResult<HttpResponse> {
    let mut ctx = page.context();
    ctx.insert("secret", secret);
    ctx.insert("works", &works);
    ctx.insert("errors", &field_map(page, errors));
    let status = if !works {
        actix_web::http::StatusCode::GONE
    } else {
        form_status(errors)
    };
    page.render_status(status, "auth/reset.html", &ctx)
}

pub(crate) async fn reset_password(
    req: HttpRequest,
    page: Page,
    secret: web::Path<String>,
    form: Form<NewPasswordForm>,
) -> AppResult<HttpResponse> {
    let secret = secret.into_inner();
    // The link first: a made-up one costs a lookup, never a password hash
    // (tens of milliseconds and 19 MiB each) that anyone could ask for.
    let s = secret.clone();
    let works = crate::db::run(&page.state.pool, move |c| store::reset_user(c, &s))
        .await?
        .is_some();
    if !works {
        return render_reset(&page, &secret, false, &[]);
    }
    if let Err(key) = password::check_strength(&form.new_password) {
        let errors = [FieldError::new("new_password", key)];
        return render_reset(&page, &secret, true, &errors);
    }
    let hash = password::hash_off_executor(&form.new_password).await?;
    let s = secret.clone();
    let ip = crate::web::request_ip(&req);
    let done = crate::db::run(&page.state.pool, move |c| {
        let user = store::use_reset(c, &s, &hash).map_err(user_error)?;
        if let Some(u) = &user {
            security_log::record(
                c,
                Kind::PasswordChanged,
                security_log::Who {
                    user_id: Some(&u.id),
                    account: &u.email,
                    ip: &ip,
                },
                Some("reset link"),
            )?;
        }
        Ok::<_, AppError>(user.is_some())
    })
    .await?;
    if !done {
        return render_reset(&page, &secret, false, &[]);
    }
    Ok(page.see_other_saying("/login", "flash_password_reset_done"))
}

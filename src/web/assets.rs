//! Static assets embedded in the binary: our stylesheet, the vendored gov.cz
//! design system, the favicon. No page loads anything from another host.

use actix_web::{HttpRequest, HttpResponse, web};
use rust_embed::RustEmbed;

use crate::error::AppError;

#[derive(RustEmbed)]
#[folder = "src/web/static/"]
struct Assets;

pub async fn serve(req: HttpRequest, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    respond(&req, &path)
}

pub async fn favicon(req: HttpRequest) -> Result<HttpResponse, AppError> {
    respond(&req, "favicon.svg")
}

fn respond(req: &HttpRequest, path: &str) -> Result<HttpResponse, AppError> {
    let file = Assets::get(path).ok_or(AppError::NotFound)?;
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..12]));
    let cache = ("Cache-Control", "public, max-age=86400");
    if req
        .headers()
        .get("If-None-Match")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag)
    {
        return Ok(HttpResponse::NotModified()
            .insert_header(("ETag", etag))
            .insert_header(cache)
            .finish());
    }
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    Ok(HttpResponse::Ok()
        .content_type(mime.as_ref())
        .insert_header(("ETag", etag))
        .insert_header(cache)
        .body(file.data.into_owned()))
}

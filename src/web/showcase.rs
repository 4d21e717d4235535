//! The components page: every page component in the states a user meets
//! (a field with its error, a chosen option, a long IRI, a second page), so
//! that one visit shows them all, and the browser suite checks at desktop and
//! phone width that each carries the design system's computed style.

use actix_web::HttpResponse;
use serde_json::json;

use super::Page;
use crate::error::AppResult;

pub(crate) async fn page(page: Page) -> AppResult<HttpResponse> {
    let mut ctx = page.context();
    ctx.insert(
        "form",
        &json!({
            "sample_title": page.t("components_sample_title_value"),
            "sample_email": "kontakt@",
            "sample_frequency": "monthly",
            "sample_themes": ["ENVI"],
            "sample_note": "",
        }),
    );
    ctx.insert(
        "errors",
        &json!({ "sample_email": page.t("user_email_invalid") }),
    );
    ctx.insert(
        "frequencies",
        &json!([
            {"value": "daily", "label_cs": "denně", "label_en": "daily"},
            {"value": "monthly", "label_cs": "měsíčně", "label_en": "monthly"},
            {"value": "annual", "label_cs": "ročně", "label_en": "annually"},
        ]),
    );
    ctx.insert(
        "themes",
        &json!([
            {"value": "ENVI", "label_cs": "Životní prostředí", "label_en": "Environment"},
            {"value": "TRAN", "label_cs": "Doprava", "label_en": "Transport"},
        ]),
    );
    page.render("showcase.html", &ctx)
}

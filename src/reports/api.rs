//! HTTP handlers of `/api/v1/reports/…`: read-only, for any token, over the
//! part of the tree the token sees (404 for an association outside it).

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::assessments::{self, AssessmentsReport};
use super::learning_district::{self, LearningDistrictReport};
use super::membership::{self, MembershipReport};
use super::output::{answer, Operation};
use super::trend::{self, TrendReport};
use crate::auth::Caller;
use crate::db::Db;
use crate::error::ApiError;
use crate::http::extract::Query;
use crate::http::ids;
use crate::msg;
use crate::targets::rules::Metric;
use crate::yearly_stats::rules::check_year;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(membership_report)
        .service(membership_report_file)
        .service(membership_report_chart)
        .service(assessments_report)
        .service(assessments_report_file)
        .service(assessments_report_chart)
        .service(learning_district_report)
        .service(learning_district_report_file)
        .service(trend_report)
        .service(trend_report_file)
        .service(trend_report_chart);
}

/// A year parameter: 400 unless from 1996 to 2100.
fn year(name: &str, value: i32) -> Result<i32, ApiError> {
    check_year(name, value)
        .map(|()| value)
        .map_err(|e| ApiError::bad_parameter(name, "OUT_OF_RANGE", e.message))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MembershipParams {
    /// The association whose subtree is reported.
    #[serde(deserialize_with = "ids::string")]
    pub association_id: String,
    #[param(minimum = 1996, maximum = 2100)]
    pub year: i32,
}

/// Members against population: the association's own figures, each child's
/// subtree and the whole subtree (sums over sums), each against its
/// `membership_ratio` target.
#[utoipa::path(
    tag = "reports",
    params(MembershipParams),
    responses(
        (status = 200, description = "The report. The same report as a workbook or CSV file: `/api/v1/reports/membership/file`; printed: the same with `Accept: application/pdf`; drawn: `/api/v1/reports/membership/chart`", body = MembershipReport),
        (status = 400, response = crate::openapi::BadRequest),
        crate::openapi::refusals::ReadRefusals,
        (status = 406, response = crate::openapi::NotAcceptable),
    )
)]
#[get("/reports/membership")]
pub async fn membership_report(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<MembershipParams>,
) -> Result<HttpResponse, ApiError> {
    membership(&req, &db, &caller, params, Operation::Json).await
}

async fn membership(
    req: &HttpRequest,
    db: &Db,
    caller: &Caller,
    params: MembershipParams,
    operation: Operation,
) -> Result<HttpResponse, ApiError> {
    let year = year("year", params.year)?;
    answer(req, db, caller, operation, move |conn, scope| {
        membership::build(conn, scope, &params.association_id, year)
    })
    .await
}

/// The membership report as a file for people: a workbook (the default),
/// CSV, or a printable A4 PDF (a line per child, the total, and places to
/// sign), its words in the language `Accept-Language` asks for (Vietnamese
/// by default).
#[utoipa::path(
    tag = "reports",
    params(MembershipParams),
    responses(
        (status = 200, description = "The report as a workbook (one sheet: the association's own line, a line per child, the total; ratios as percentages); with `Accept: text/csv`, as UTF-8 CSV with a byte-order mark; with `Accept: application/pdf`, as a printable A4 PDF",
         content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                 (Vec<u8> = "application/pdf"),
                 (String = "text/csv", example = "\u{feff}row,association_id,association_code,association_name,level,year,reporting_count,association_count,member_count,population,households,branch_count,fund_raised_vnd,scholarship_count,scholarship_value_vnd,membership_ratio,target_year,target_min_value,target_max_value,target_gap_to_min,target_status\ntotal,0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b,HKH-TY,Hội Khuyến học huyện Trấn Yên,district,2020,22,22,23793,91161,,,,,,0.261,2025,0.35,0.4,0.089,below\n")),
         headers(("Content-Disposition" = String, description = "`attachment; filename=\"membership-2020.xlsx\"`"),
                 ("Content-Language" = String, description = "The language of the headings"))),
        (status = 400, response = crate::openapi::BadRequest),
        crate::openapi::refusals::ReadRefusals,
        (status = 406, response = crate::openapi::NotAcceptable),
    )
)]
#[get("/reports/membership/file")]
pub async fn membership_report_file(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<MembershipParams>,
) -> Result<HttpResponse, ApiError> {
    membership(&req, &db, &caller, params, Operation::File).await
}

/// The membership report as a chart: a bar per child association (members ÷ population), each against its own target, and the association's target drawn as a line. SVG by default (Vietnamese
/// names and all, fonts named with fallbacks that cover Vietnamese; a long
/// name is shortened on the axis and kept whole in its bar's `<title>`), or
/// PNG drawn from it with the embedded font (`Accept: image/png`), its words
/// in the language `Accept-Language` asks for (Vietnamese by default).
#[utoipa::path(
    tag = "reports",
    params(MembershipParams),
    responses(
        (status = 200, description = "The chart: what it shows, for which association and year, and its unit in its heading",
         content((String = "image/svg+xml"), (Vec<u8> = "image/png")),
         headers(("Content-Disposition" = String, description = "`inline; filename=\"membership-2020.svg\"`"),
                 ("Content-Language" = String, description = "The language of the chart's words"))),
        (status = 400, response = crate::openapi::BadRequest),
        crate::openapi::refusals::ReadRefusals,
        (status = 406, response = crate::openapi::NotAcceptable),
    )
)]
#[get("/reports/membership/chart")]
pub async fn membership_report_chart(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<MembershipParams>,
) -> Result<HttpResponse, ApiError> {
    membership(&req, &db, &caller, params, Operation::Chart).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AssessmentsParams {
    /// The association whose subtree is reported.
    #[serde(deserialize_with = "ids::string")]
    pub association_id: String,
    /// The criteria set the assessments were made with.
    #[serde(deserialize_with = "ids::string")]
    pub criteria_set_id: String,
    #[param(minimum = 1996, maximum = 2100)]
    pub period: i32,
}

/// Assessment results of a criteria set's subjects in a subtree for a
/// period: counts by status and by rating, recognised and Khá-or-above
/// shares, per child and in total. Counts only, never a row per subject.
#[utoipa::path(
    tag = "reports",
    params(AssessmentsParams),
    responses(
        (status = 200, description = "The report. The same report as a workbook or CSV file: `/api/v1/reports/assessments/file`; drawn: `/api/v1/reports/assessments/chart`", body = AssessmentsReport),
        (status = 400, response = crate::openapi::BadRequest),
        crate::openapi::refusals::ReadRefusals,
        (status = 406, response = crate::openapi::NotAcceptable),
    )
)]
#[get("/reports/assessments")]
pub async fn assessments_report(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<AssessmentsParams>,
) -> Result<HttpResponse, ApiError> {
    assessment_results(&req, &db, &caller, params, Operation::Json).await
}

async fn assessment_results(
    req: &HttpRequest,
    db: &Db,
    caller: &Caller,
    params: AssessmentsParams,
    operation: Operation,
) -> Result<HttpResponse, ApiError> {
    let period = year("period", params.period)?;
    answer(req, db, caller, operation, move |conn, scope| {
        let set = &params.criteria_set_id;
        assessments::build(conn, scope, &params.association_id, set, period)
    })
    .await
}

/// The assessments report as a file for people: a workbook (the default)
/// or CSV, its headings in the language `Accept-Language` asks for
/// (Vietnamese by default).
#[utoipa::path(
    tag = "reports",
    params(AssessmentsParams),
    responses(
        (status = 200, description = "The report as a workbook (a line per child and the total; shares as percentages) or, with `Accept: text/csv`, as UTF-8 CSV with a byte-order mark",
         content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (String = "text/csv")),
         headers(("Content-Disposition" = String, description = "`attachment; filename=\"assessments-2020.xlsx\"`"),
                 ("Content-Language" = String, description = "The language of the headings"))),
        (status = 400, response = crate::openapi::BadRequest),
        crate::openapi::refusals::ReadRefusals,
        (status = 406, response = crate::openapi::NotAcceptable),
    )
)]
#[get("/reports/assessments/file")]
pub async fn assessments_report_file(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<AssessmentsParams>,
) -> Result<HttpResponse, ApiError> {
    assessment_results(&req, &db, &caller, params, Operation::File).await
}

/// The assessments report as a chart: a bar per child association, its approved results stacked by rating (Tốt, Khá, Trung bình, Chưa đạt). SVG by default (Vietnamese
/// names and all, fonts named with fallbacks that cover Vietnamese; a long
/// name is shortened on the axis and kept whole in its bar's `<title>`), or
/// PNG drawn from it with the embedded font (`Accept: image/png`), its words
/// in the language `Accept-Language` asks for (Vietnamese by default).
#[utoipa::path(
    tag = "reports",
    params(AssessmentsParams),
    responses(
        (status = 200, description = "The chart: what it shows, for which association and year, and its unit in its heading",
         content((String = "image/svg+xml"), (Vec<u8> = "image/png")),
         headers(("Content-Disposition" = String, description = "`inline; filename=\"assessments-2020.svg\"`"),
                 ("Content-Language" = String, description = "The language of the chart's words"))),
        (status = 400, response = crate::openapi::BadRequest),
        crate::openapi::refusals::ReadRefusals,
        (status = 406, response = crate::openapi::NotAcceptable),
    )
)]
#[get("/reports/assessments/chart")]
pub async fn assessments_report_chart(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<AssessmentsParams>,
) -> Result<HttpResponse, ApiError> {
    assessment_results(&req, &db, &caller, params, Operation::Chart).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LearningDistrictParams {
    /// The district (the assessment's subject).
    #[serde(deserialize_with = "ids::string")]
    pub association_id: String,
    #[param(minimum = 1996, maximum = 2100)]
    pub period: i32,
    /// The learning-district set; by default the one of the district's latest assessment of the period.
    #[serde(default, deserialize_with = "ids::optional")]
    pub criteria_set_id: Option<String>,
}

/// A district's learning-district assessment, criterion by criterion: met
/// or not with score and note, the computed rating, and the required criteria missing.
#[utoipa::path(
    tag = "reports",
    params(LearningDistrictParams),
    responses(
        (status = 200, description = "The report. The same report as a workbook or CSV file: `/api/v1/reports/learning-district/file`; printed: the same with `Accept: application/pdf`", body = LearningDistrictReport),
        (status = 400, response = crate::openapi::BadRequest),
        crate::openapi::refusals::ReadRefusals,
        (status = 406, response = crate::openapi::NotAcceptable),
    )
)]
#[get("/reports/learning-district")]
pub async fn learning_district_report(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<LearningDistrictParams>,
) -> Result<HttpResponse, ApiError> {
    learning_district(&req, &db, &caller, params, Operation::Json).await
}

async fn learning_district(
    req: &HttpRequest,
    db: &Db,
    caller: &Caller,
    params: LearningDistrictParams,
    operation: Operation,
) -> Result<HttpResponse, ApiError> {
    let period = year("period", params.period)?;
    answer(req, db, caller, operation, move |conn, scope| {
        let set = params.criteria_set_id.as_deref();
        learning_district::build(conn, scope, &params.association_id, period, set)
    })
    .await
}

/// The learning-district report as a file for people: a workbook (the
/// default; a summary sheet, then a line per criterion), CSV, or the
/// printable A4 form a district sends up (a row per criterion, the total
/// score and rating, places to sign), its words in the language
/// `Accept-Language` asks for (Vietnamese by default).
#[utoipa::path(
    tag = "reports",
    params(LearningDistrictParams),
    responses(
        (status = 200, description = "The report as a workbook (a summary sheet, then a line per criterion: met, score and maximum, measured value, threshold and its source); with `Accept: text/csv`, as UTF-8 CSV with a byte-order mark; with `Accept: application/pdf`, as a printable A4 PDF",
         content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (String = "text/csv"), (Vec<u8> = "application/pdf")),
         headers(("Content-Disposition" = String, description = "`attachment; filename=\"learning-district-2021.xlsx\"`"),
                 ("Content-Language" = String, description = "The language of the headings"))),
        (status = 400, response = crate::openapi::BadRequest),
        crate::openapi::refusals::ReadRefusals,
        (status = 406, response = crate::openapi::NotAcceptable),
    )
)]
#[get("/reports/learning-district/file")]
pub async fn learning_district_report_file(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<LearningDistrictParams>,
) -> Result<HttpResponse, ApiError> {
    learning_district(&req, &db, &caller, params, Operation::File).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TrendParams {
    /// The association whose subtree is reported.
    #[serde(deserialize_with = "ids::string")]
    pub association_id: String,
    pub metric: Metric,
    /// The first year.
    #[param(minimum = 1996, maximum = 2100)]
    pub from: i32,
    /// The last year, not before `from`.
    #[param(minimum = 1996, maximum = 2100)]
    pub to: i32,
}

/// A metric of a subtree year by year, with numerator, denominator and target, for charts.
#[utoipa::path(
    tag = "reports",
    params(TrendParams),
    responses(
        (status = 200, description = "The report. The same report as a workbook or CSV file: `/api/v1/reports/trend/file`; drawn: `/api/v1/reports/trend/chart`", body = TrendReport),
        (status = 400, response = crate::openapi::BadRequest),
        crate::openapi::refusals::ReadRefusals,
        (status = 406, response = crate::openapi::NotAcceptable),
    )
)]
#[get("/reports/trend")]
pub async fn trend_report(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<TrendParams>,
) -> Result<HttpResponse, ApiError> {
    trend(&req, &db, &caller, params, Operation::Json).await
}

async fn trend(
    req: &HttpRequest,
    db: &Db,
    caller: &Caller,
    params: TrendParams,
    operation: Operation,
) -> Result<HttpResponse, ApiError> {
    let from = year("from", params.from)?;
    let to = year("to", params.to)?;
    if to < from {
        return Err(ApiError::bad_parameter(
            "to",
            "BEFORE_FROM",
            msg!("to-before-from"),
        ));
    }
    answer(req, db, caller, operation, move |conn, scope| {
        let id = &params.association_id;
        trend::build(conn, scope, id, params.metric, (from, to))
    })
    .await
}

/// The trend as a file for people: a workbook (the default) or CSV, one
/// line per year, its headings in the language `Accept-Language` asks for
/// (Vietnamese by default).
#[utoipa::path(
    tag = "reports",
    params(TrendParams),
    responses(
        (status = 200, description = "The trend as a workbook (a line per year) or, with `Accept: text/csv`, as UTF-8 CSV with a byte-order mark",
         content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (String = "text/csv")),
         headers(("Content-Disposition" = String, description = "`attachment; filename=\"trend-membership_ratio-2020-2025.xlsx\"`"),
                 ("Content-Language" = String, description = "The language of the headings"))),
        (status = 400, response = crate::openapi::BadRequest),
        crate::openapi::refusals::ReadRefusals,
        (status = 406, response = crate::openapi::NotAcceptable),
    )
)]
#[get("/reports/trend/file")]
pub async fn trend_report_file(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<TrendParams>,
) -> Result<HttpResponse, ApiError> {
    trend(&req, &db, &caller, params, Operation::File).await
}

/// The trend as a chart: a point per year joined by a line, against the target due each year (dashed). SVG by default (Vietnamese
/// names and all, fonts named with fallbacks that cover Vietnamese; a long
/// name is shortened on the axis and kept whole in its bar's `<title>`), or
/// PNG drawn from it with the embedded font (`Accept: image/png`), its words
/// in the language `Accept-Language` asks for (Vietnamese by default).
#[utoipa::path(
    tag = "reports",
    params(TrendParams),
    responses(
        (status = 200, description = "The chart: what it shows, for which association and year, and its unit in its heading",
         content((String = "image/svg+xml"), (Vec<u8> = "image/png")),
         headers(("Content-Disposition" = String, description = "`inline; filename=\"trend-membership_ratio-2020-2025.svg\"`"),
                 ("Content-Language" = String, description = "The language of the chart's words"))),
        (status = 400, response = crate::openapi::BadRequest),
        crate::openapi::refusals::ReadRefusals,
        (status = 406, response = crate::openapi::NotAcceptable),
    )
)]
#[get("/reports/trend/chart")]
pub async fn trend_report_chart(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    Query(params): Query<TrendParams>,
) -> Result<HttpResponse, ApiError> {
    trend(&req, &db, &caller, params, Operation::Chart).await
}

//! HTTP handlers of `/api/v1/reports/…`: read-only, for any token, over the
//! part of the tree the token sees (404 for an association outside it).

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::assessments::{self, AssessmentsReport};
use super::learning_district::{self, LearningDistrictReport};
use super::membership::{self, MembershipReport};
use super::output::answer;
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
        .service(assessments_report)
        .service(learning_district_report)
        .service(trend_report);
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
        (status = 200, description = "The report, as JSON or (with `Accept: text/csv`) as UTF-8 CSV with a byte-order mark: \
one line `own`, one `child` per child, one `total`",
         content((MembershipReport = "application/json"),
                 (String = "text/csv", example = "\u{feff}row,association_id,association_code,association_name,level,year,reporting_count,association_count,member_count,population,households,branch_count,fund_raised_vnd,scholarship_count,scholarship_value_vnd,membership_ratio,target_year,target_min_value,target_max_value,target_gap_to_min,target_status\ntotal,0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b,HKH-TY,Hội Khuyến học huyện Trấn Yên,district,2020,22,22,23793,91161,,,,,,0.261,2025,0.35,0.4,0.089,below\n"))),
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
    let year = year("year", params.year)?;
    answer(&req, &db, &caller, move |conn, scope| {
        membership::build(conn, scope, &params.association_id, year)
    })
    .await
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
        (status = 200, description = "The report, as JSON or (with `Accept: text/csv`) as UTF-8 CSV with a byte-order mark",
         content((AssessmentsReport = "application/json"),
                 (String = "text/csv", example = "\u{feff}row,association_id,association_code,association_name,level,criteria_set_code,criteria_set_edition,period,assessment_count,draft,submitted,approved,excellent,good,fair,not_met,assessed_count,recognised_count,recognised_ratio,good_or_above_ratio,subject_count,subject_count_source,recognised_of_registered_ratio,recognised_of_all_ratio,target_metric,target_year,target_min_value,target_max_value,target_gap_to_min,target_status\ntotal,0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b,HKH-TY,Hội Khuyến học huyện Trấn Yên,district,learning-community-commune,2023,2020,21,0,0,21,6,15,0,0,21,21,1.0,1.0,21,associations,1.0,1.0,,,,,,\n"))),
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
    let period = year("period", params.period)?;
    answer(&req, &db, &caller, move |conn, scope| {
        let set = &params.criteria_set_id;
        assessments::build(conn, scope, &params.association_id, set, period)
    })
    .await
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
        (status = 200, description = "The report, as JSON or (with `Accept: text/csv`) as UTF-8 CSV with a byte-order mark, one line per criterion",
         content((LearningDistrictReport = "application/json"),
                 (String = "text/csv", example = "\u{feff}association_id,association_name,period,criteria_set_code,criteria_set_edition,status,rating,criterion_code,criterion_title,group_name,level,required,met,score,max_score,note,measure,measured_value,numerator,denominator,denominator_source,threshold,threshold_source\n0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b,Hội Khuyến học huyện Trấn Yên,2021,learning-district,2021-pilot-computed,approved,good,TC09,Gia đình học tập đạt tỷ lệ mục tiêu của chương trình,Kết quả học tập,1,false,true,1,1,,recognised_family_ratio,0.936776,23218,24785,registered_households,0.7,target\n"))),
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
    let period = year("period", params.period)?;
    answer(&req, &db, &caller, move |conn, scope| {
        let set = params.criteria_set_id.as_deref();
        learning_district::build(conn, scope, &params.association_id, period, set)
    })
    .await
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
        (status = 200, description = "The report, as JSON or (with `Accept: text/csv`) as UTF-8 CSV with a byte-order mark, one line per year",
         content((TrendReport = "application/json"),
                 (String = "text/csv", example = "\u{feff}association_id,association_name,metric,year,value,numerator,denominator,denominator_source,registered_count,recognised_of_registered_ratio,target_year,target_min_value,target_max_value,target_gap_to_min,target_status\n0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b,Hội Khuyến học huyện Trấn Yên,membership_ratio,2020,0.261,23793,91161,population,,,2025,0.35,0.4,0.089,below\n"))),
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
    let from = year("from", params.from)?;
    let to = year("to", params.to)?;
    if to < from {
        return Err(ApiError::bad_parameter(
            "to",
            "BEFORE_FROM",
            msg!("to-before-from"),
        ));
    }
    answer(&req, &db, &caller, move |conn, scope| {
        let id = &params.association_id;
        trend::build(conn, scope, id, params.metric, (from, to))
    })
    .await
}

//! The rules of households that need no database.

use crate::error::{ApiError, FieldError};
use crate::msg;
use crate::text;

pub const CODE_MAX: usize = 32;
pub const NAME_MAX: usize = 200;
/// The most people one household is registered with.
pub const MEMBERS_MAX: i32 = 100;

/// Everything a client may set on a household.
#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdFields {
    pub code: String,
    pub head_name: String,
    pub association_id: String,
    pub address: Option<String>,
    pub member_count: Option<i32>,
    pub phone: Option<String>,
    pub clan_id: Option<String>,
    pub community_id: Option<String>,
}

impl HouseholdFields {
    /// Normalises the text and checks every field rule, reporting all at once.
    pub fn validated(mut self) -> Result<Self, ApiError> {
        let mut errors: Vec<FieldError> = Vec::new();
        if let Err(error) = text::machine_code("/code", &self.code, CODE_MAX) {
            errors.push(error);
        }
        match text::single_line("/head_name", &self.head_name, NAME_MAX) {
            Ok(name) => self.head_name = name,
            Err(error) => errors.push(error),
        }
        match text::optional_line("/address", self.address.take(), 500) {
            Ok(address) => self.address = address,
            Err(error) => errors.push(error),
        }
        match text::optional_phone("/phone", self.phone.take()) {
            Ok(phone) => self.phone = phone,
            Err(error) => errors.push(error),
        }
        if self
            .member_count
            .is_some_and(|n| !(1..=MEMBERS_MAX).contains(&n))
        {
            errors.push(FieldError::new(
                "/member_count",
                "OUT_OF_RANGE",
                msg!("count-range", min = 1, max = 100),
            ));
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(ApiError::validation(errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_broken_rule_is_reported() {
        let fields = HouseholdFields {
            code: "hộ 1".into(),
            head_name: " ".into(),
            association_id: "a".into(),
            address: Some("  ".into()),
            member_count: Some(0),
            phone: Some("gọi tôi".into()),
            clan_id: None,
            community_id: None,
        };
        let error = fields.validated().unwrap_err();
        let pointers: Vec<&str> = error
            .field_errors()
            .iter()
            .map(|e| e.pointer.as_str())
            .collect();
        assert_eq!(pointers, ["/code", "/head_name", "/phone", "/member_count"]);
    }
}

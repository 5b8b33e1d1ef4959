//! The rules of clans that need no database.

use crate::error::ApiError;
use crate::text;

pub const NAME_MAX: usize = 200;

/// Everything a client may set on a clan.
#[derive(Debug, Clone, PartialEq)]
pub struct ClanFields {
    /// The surname or the branch: "Dòng họ Nguyễn Văn – chi 2".
    pub name: String,
    pub association_id: String,
    pub community_id: Option<String>,
}

impl ClanFields {
    /// Normalises the name; 422 when it is blank or not one line.
    pub fn validated(mut self) -> Result<Self, ApiError> {
        self.name = text::single_line("/name", &self.name, NAME_MAX)
            .map_err(|error| ApiError::validation(vec![error]))?;
        Ok(self)
    }
}

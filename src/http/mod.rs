//! Cross-cutting HTTP mechanics, written once and used by every resource.

pub mod csv_cells;
pub mod extract;
pub mod ids;
pub mod limits;
pub mod merge_patch;
pub mod objects_only;
pub mod paging;
pub mod preconditions;
pub mod request_id;

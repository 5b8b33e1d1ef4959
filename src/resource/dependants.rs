//! What depends on a record: asked before the record is deleted, told when
//! it moves to another association.
//!
//! A record never imports the modules of the records that hang from it (an
//! association knows nothing of units, a household nothing of its
//! assessments). Each dependant registers itself here instead, beside its
//! own queries, with `inventory::submit!`; the record asks by its type:
//!
//! ```ignore
//! inventory::submit! {
//!     Dependant { on: "association", order: 20, refuse_delete: refuse_units, follow_move: None }
//! }
//! ```

use crate::db::DbConnection;
use crate::error::ApiError;
use crate::messages::Message;

/// What a dependant does when the record it depends on, `id`, moved to the
/// association `association_id`: follow it, or refuse the move (409).
pub type FollowMove = fn(&mut DbConnection, &str, &str) -> Result<(), ApiError>;

/// Records of one kind that depend on records of another.
pub struct Dependant {
    /// The type of the record depended on, as the audit trail names it:
    /// `association`, `community`, `clan`, `household`, `unit`, `citizen`.
    pub on: &'static str,
    /// Asked in ascending order; the first refusal is the answer.
    pub order: u16,
    /// 409 while records of this kind depend on the record `id`.
    pub refuse_delete: fn(&mut DbConnection, &str) -> Result<(), ApiError>,
    /// Told after the record moved; `None`: it need not know.
    pub follow_move: Option<FollowMove>,
}

inventory::collect!(Dependant);

/// The dependants of records of type `on`, in their order.
fn of(on: &str) -> Vec<&'static Dependant> {
    let mut found: Vec<_> = inventory::iter::<Dependant>
        .into_iter()
        .filter(|d| d.on == on)
        .collect();
    found.sort_by_key(|d| d.order);
    found
}

/// 409 while anything depends on the record `id` of type `on`.
pub fn refuse_delete(conn: &mut DbConnection, on: &str, id: &str) -> Result<(), ApiError> {
    of(on)
        .into_iter()
        .try_for_each(|dependant| (dependant.refuse_delete)(conn, id))
}

/// Tells what depends on the record `id` of type `on` that it moved to the
/// association `association_id`.
pub fn follow_move(
    conn: &mut DbConnection,
    on: &str,
    id: &str,
    association_id: &str,
) -> Result<(), ApiError> {
    of(on)
        .into_iter()
        .filter_map(|dependant| dependant.follow_move)
        .try_for_each(|follow| follow(conn, id, association_id))
}

/// 409 `code` while `count` records depend, said by `detail(count)`.
pub fn refuse_while(
    count: i64,
    code: &'static str,
    detail: impl FnOnce(i64) -> Message,
) -> Result<(), ApiError> {
    if count > 0 {
        Err(ApiError::conflict(code, detail(count)))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_record_that_hangs_from_another_is_registered_in_its_order() {
        let orders = |on: &str| of(on).iter().map(|d| d.order).collect::<Vec<_>>();
        // Assessments, units, households, clans, village communities,
        // citizens, yearly history, users, webhook subscriptions: in the order
        // their refusals are given.
        assert_eq!(orders("association"), [10, 20, 30, 40, 50, 60, 70, 80, 90]);
        // Households, clans, then the village's own assessments.
        assert_eq!(orders("community"), [10, 20, 90]);
        assert_eq!(orders("clan"), [10, 90]);
        for assessed in ["unit", "citizen", "household"] {
            assert_eq!(orders(assessed), [90], "{assessed}");
            assert!(of(assessed)[0].follow_move.is_some(), "{assessed}");
        }
    }
}

//! Reports already written, kept until the data changes.
//!
//! A report is a function of the data committed when it was built, and the
//! change feed numbers every committed change in commit order (its `seq`).
//! So a report built in a snapshot whose latest change was `head` is still
//! right for any later snapshot with the same `head`: the cache answers it
//! again then, and builds anew once any change has been committed, by this
//! instance or another. Entries are keyed by the request (form, path and
//! query) and the caller's scope, which decides what the report may show.

use std::collections::HashMap;
use std::sync::Mutex;

use super::output::Rendered;

/// The bytes of reports kept at most; past them the cache starts again empty.
const MAX_BYTES: usize = 8 << 20;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReportKey {
    /// The negotiated form, the path and the query of the request.
    pub request: String,
    pub scope: Option<String>,
}

#[derive(Default)]
pub struct ReportCache {
    entries: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    by_key: HashMap<ReportKey, (i64, Rendered)>,
    bytes: usize,
}

impl ReportCache {
    /// The report kept for `key` if it was built when the feed's latest
    /// change was `head`.
    pub fn get(&self, key: &ReportKey, head: i64) -> Option<Rendered> {
        let entries = self.entries.lock().ok()?;
        match entries.by_key.get(key) {
            Some((built_at, report)) if *built_at == head => Some(report.clone()),
            _ => None,
        }
    }

    /// Keeps `report`, built when the feed's latest change was `head`.
    pub fn put(&self, key: ReportKey, head: i64, report: Rendered) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        let key_bytes = key.request.len();
        let size = report.body.len() + key_bytes;
        if size > MAX_BYTES / 4 {
            return;
        }
        if entries.bytes + size > MAX_BYTES {
            *entries = Entries::default();
        }
        if let Some((_, old)) = entries.by_key.insert(key, (head, report)) {
            entries.bytes -= old.body.len() + key_bytes;
        }
        entries.bytes += size;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(body: &str) -> Rendered {
        Rendered::json(body.as_bytes().to_vec())
    }

    fn key(request: &str, scope: Option<&str>) -> ReportKey {
        ReportKey {
            request: request.to_owned(),
            scope: scope.map(str::to_owned),
        }
    }

    #[test]
    fn a_report_is_given_again_only_while_no_change_was_committed() {
        let cache = ReportCache::default();
        let k = key("json /reports/membership?year=2025", None);
        cache.put(k.clone(), 7, report("{\"a\":1}"));
        assert_eq!(cache.get(&k, 7).unwrap().body, b"{\"a\":1}".as_slice());
        assert!(cache.get(&k, 8).is_none());
        // Another scope asking the same is a report of its own.
        assert!(cache
            .get(&key("json /reports/membership?year=2025", Some("/1/")), 7)
            .is_none());
        cache.put(k.clone(), 8, report("{\"a\":2}"));
        assert_eq!(cache.get(&k, 8).unwrap().body, b"{\"a\":2}".as_slice());
    }

    #[test]
    fn past_its_bytes_the_cache_starts_again() {
        let cache = ReportCache::default();
        let big = "x".repeat(MAX_BYTES / 5);
        for i in 0..5 {
            cache.put(key(&format!("r{i}"), None), 1, report(&big));
        }
        let kept = (0..5)
            .filter(|i| cache.get(&key(&format!("r{i}"), None), 1).is_some())
            .count();
        assert!(kept < 5, "{kept}");
        assert!(cache.get(&key("r4", None), 1).is_some());
        let entries = cache.entries.lock().unwrap();
        assert!(entries.bytes <= MAX_BYTES);
    }
}

//! Lists: how large a page may be and how far a list may be paged, per list, and what a
//! period holds. A request outside a range is refused with the range in the message (the
//! OpenAPI document states the same ranges); a period that ends at or before its start is a
//! valid question whose answer is empty.

use chrono::{DateTime, Utc};
use poort_shared::dto::{
    ACCOUNT_OFFSET_MAX, ACCOUNT_PAGE, ACCOUNT_PAGE_MAX, OFFICE_OFFSET_MAX, OFFICE_PAGE,
    OFFICE_PAGE_MAX,
};

/// The paging of one list: its page size when none is asked, the largest, and the furthest
/// offset (lists paged by a cursor have none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub default_limit: i64,
    pub max_limit: i64,
    pub max_offset: i64,
}

/// Offices (`GET /api/operator/offices`).
pub const OFFICES: Paging = Paging {
    default_limit: OFFICE_PAGE,
    max_limit: OFFICE_PAGE_MAX,
    max_offset: OFFICE_OFFSET_MAX,
};
/// Accounts (the office's and the relations team's lists).
pub const ACCOUNTS: Paging = Paging {
    default_limit: ACCOUNT_PAGE,
    max_limit: ACCOUNT_PAGE_MAX,
    max_offset: ACCOUNT_OFFSET_MAX,
};
/// Dead letters.
pub const DEAD_LETTERS: Paging = Paging {
    default_limit: 50,
    max_limit: 200,
    max_offset: 100_000,
};
/// Lists paged by a cursor (`before`): the audit trail, invitations.
pub const BY_CURSOR: Paging = Paging {
    default_limit: 50,
    max_limit: 500,
    max_offset: 0,
};

/// A page as asked: how many to skip and how many to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub offset: i64,
    pub limit: i64,
}

impl Paging {
    /// The page asked for, or what is wrong with it (`field: must be …`).
    pub fn page(&self, offset: Option<i64>, limit: Option<i64>) -> Result<Page, String> {
        let limit = limit.unwrap_or(self.default_limit);
        if !(1..=self.max_limit).contains(&limit) {
            return Err(format!("limit: must be between 1 and {}", self.max_limit));
        }
        let offset = offset.unwrap_or(0);
        if !(0..=self.max_offset).contains(&offset) {
            return Err(format!("offset: must be between 0 and {}", self.max_offset));
        }
        Ok(Page { offset, limit })
    }
}

impl Paging {
    /// The page size asked of a list paged by a cursor (it has no offset).
    pub fn limit(&self, limit: Option<i64>) -> Result<i64, String> {
        self.page(None, limit).map(|p| p.limit)
    }
}

impl Page {
    /// How many rows to read: one more than the page, to know whether another follows.
    pub fn probe(&self) -> i64 {
        self.limit + 1
    }

    /// The next page's offset when `found` rows (read with [`Page::probe`]) say there is one.
    pub fn next_offset(&self, found: usize) -> Option<i64> {
        (i64::try_from(found).unwrap_or(i64::MAX) > self.limit).then_some(self.offset + self.limit)
    }
}

/// Whether a period (`since` inclusive, `until` exclusive) can hold anything.
pub fn period_is_empty(since: Option<DateTime<Utc>>, until: Option<DateTime<Utc>>) -> bool {
    since
        .zip(until)
        .is_some_and(|(since, until)| since >= until)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_stays_within_its_lists_ranges() {
        assert_eq!(
            ACCOUNTS.page(None, None),
            Ok(Page {
                offset: 0,
                limit: 200
            })
        );
        assert_eq!(
            OFFICES.page(Some(100), Some(50)),
            Ok(Page {
                offset: 100,
                limit: 50
            })
        );
        assert_eq!(
            OFFICES.page(None, Some(201)).unwrap_err(),
            "limit: must be between 1 and 200"
        );
        assert_eq!(
            ACCOUNTS.page(None, Some(0)).unwrap_err(),
            "limit: must be between 1 and 200"
        );
        assert_eq!(
            ACCOUNTS.page(Some(100_001), None).unwrap_err(),
            "offset: must be between 0 and 100000"
        );
        assert!(ACCOUNTS.page(Some(-1), None).is_err());
        assert!(BY_CURSOR.page(None, Some(500)).is_ok());
        assert!(BY_CURSOR.page(Some(1), None).is_err());
        assert_eq!(BY_CURSOR.limit(None), Ok(50));
        assert_eq!(
            BY_CURSOR.limit(Some(501)).unwrap_err(),
            "limit: must be between 1 and 500"
        );
    }

    #[test]
    fn the_next_page_is_there_only_when_more_was_found() {
        let page = Page {
            offset: 50,
            limit: 50,
        };
        assert_eq!(page.probe(), 51);
        assert_eq!(page.next_offset(51), Some(100));
        assert_eq!(page.next_offset(50), None);
        assert_eq!(page.next_offset(0), None);
    }

    #[test]
    fn a_period_that_ends_at_or_before_its_start_is_empty() {
        let t = |s: &str| Some(s.parse::<DateTime<Utc>>().unwrap());
        assert!(period_is_empty(
            t("2026-12-02T00:00:00Z"),
            t("2026-12-01T00:00:00Z")
        ));
        assert!(period_is_empty(
            t("2026-12-01T00:00:00Z"),
            t("2026-12-01T00:00:00Z")
        ));
        assert!(!period_is_empty(
            t("2026-12-01T00:00:00Z"),
            t("2026-12-02T00:00:00Z")
        ));
        assert!(!period_is_empty(None, t("2026-12-01T00:00:00Z")));
    }
}

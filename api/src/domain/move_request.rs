//! A move request: an office's administrator found that the address of a person they want to
//! invite belongs to another office's account, and asks the relations team to move that person
//! into their office. The administrator never learns which office it is. The request is *open*
//! until the relations team moves the account (then *moved*) or declines with a reason.

use chrono::{DateTime, Utc};
use poort_shared::ErrorCode;
use poort_shared::dto::MoveRequestStatus;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveRequest {
    pub id: Uuid,
    pub account_id: Uuid,
    pub from_office_id: Uuid,
    pub to_office_id: Uuid,
    pub requested_by: Option<Uuid>,
    pub note: Option<String>,
    pub status: MoveRequestStatus,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<Uuid>,
    pub reason: Option<String>,
}

impl MoveRequest {
    /// The account was moved into the office that asked.
    pub fn moved(&mut self, by: Option<Uuid>, now: DateTime<Utc>) -> Result<(), ErrorCode> {
        if self.status != MoveRequestStatus::Open {
            return Err(ErrorCode::RequestClosed);
        }
        self.status = MoveRequestStatus::Moved;
        self.decided_at = Some(now);
        self.decided_by = by;
        Ok(())
    }

    /// Declined by the relations team (`by`; none for an API client), saying why.
    pub fn decline(
        &mut self,
        by: Option<Uuid>,
        reason: String,
        now: DateTime<Utc>,
    ) -> Result<(), ErrorCode> {
        if self.status != MoveRequestStatus::Open {
            return Err(ErrorCode::RequestClosed);
        }
        self.status = MoveRequestStatus::Declined;
        self.decided_at = Some(now);
        self.decided_by = by;
        self.reason = Some(reason);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_open_request_is_declined() {
        let now = Utc::now();
        let mut r = MoveRequest {
            id: Uuid::from_u128(1),
            account_id: Uuid::from_u128(2),
            from_office_id: Uuid::from_u128(3),
            to_office_id: Uuid::from_u128(4),
            requested_by: None,
            note: None,
            status: MoveRequestStatus::Open,
            created_at: now,
            decided_at: None,
            decided_by: None,
            reason: None,
        };
        r.decline(None, "Nee".into(), now).unwrap();
        assert_eq!(r.status, MoveRequestStatus::Declined);
        assert_eq!(
            r.decline(None, "Nee".into(), now),
            Err(ErrorCode::RequestClosed)
        );
    }
}

//! The periodic clean-up: what has served its purpose goes after the retention the settings
//! give (`[retention]`, and `delivery.retention_days` for the outbox), what only guards a
//! short window (used client assertions, idempotent answers) as soon as it can no longer
//! matter. Every instance sweeps on its own timer; a row is deleted once, by whichever gets
//! there first, so several instances need no coordination. The audit trail is kept forever
//! unless `retention.audit_days` says otherwise.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::clock::Clock;
use crate::configuration::{DeliverySettings, RetentionSettings};
use crate::store::Store;
use crate::store::retention::Expired;

/// Rows removed per statement; the sweep repeats until less than this went.
const BATCH: i64 = 1000;

/// Rate-limit windows are at most a day long; a window that started two days ago is over.
const RATE_LIMIT_KEPT: chrono::Duration = chrono::Duration::days(2);

pub struct Sweeper {
    pub store: Arc<dyn Store>,
    pub retention: RetentionSettings,
    pub delivery: DeliverySettings,
    pub clock: Arc<dyn Clock>,
}

/// What one sweep removed, per kind.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Swept {
    pub codes: u64,
    pub sign_ins: u64,
    pub sessions: u64,
    pub rate_limits: u64,
    pub audit: u64,
    pub outbox: u64,
    pub client_records: u64,
}

impl Sweeper {
    /// Runs until the task is dropped: a sweep at start, then one every interval. A failed
    /// sweep is logged and tried again at the next.
    pub async fn run(self) {
        let every = Duration::from_secs(self.retention.sweep_interval_minutes.max(1) * 60);
        loop {
            match self.sweep().await {
                Ok(swept) if swept != Swept::default() => {
                    tracing::info!(?swept, "retention: removed what is past its retention");
                }
                Ok(_) => {}
                Err(error) => tracing::error!(error = %error, "retention: clean-up failed"),
            }
            tokio::time::sleep(every).await;
        }
    }

    /// The instant before which rows of `what` go, or `None` when they are kept.
    pub fn cutoff(&self, what: Expired, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let days = match what {
            Expired::Codes => self.retention.codes_days,
            Expired::SignIns => self.retention.sign_in_attempts_days,
            Expired::Sessions => self.retention.sessions_days,
            Expired::Audit => self.retention.audit_days,
            Expired::RateLimits => return Some(now - RATE_LIMIT_KEPT),
        };
        (days > 0).then(|| now - chrono::Duration::days(days))
    }

    /// One clean-up of everything.
    pub async fn sweep(&self) -> anyhow::Result<Swept> {
        let now = self.clock.now();
        let mut swept = Swept::default();
        for what in Expired::ALL {
            let Some(before) = self.cutoff(what, now) else {
                continue;
            };
            let mut removed = 0;
            loop {
                let batch = self.store.delete_expired(what, before, BATCH).await?;
                removed += batch;
                if batch < BATCH as u64 {
                    break;
                }
            }
            *match what {
                Expired::Codes => &mut swept.codes,
                Expired::SignIns => &mut swept.sign_ins,
                Expired::Sessions => &mut swept.sessions,
                Expired::RateLimits => &mut swept.rate_limits,
                Expired::Audit => &mut swept.audit,
            } = removed;
        }
        swept.client_records = self
            .store
            .delete_expired_client_records(now, now - crate::domain::api_client::IDEMPOTENCY_WINDOW)
            .await?;
        if self.delivery.retention_days > 0 {
            let cutoff = now - chrono::Duration::days(self.delivery.retention_days);
            swept.outbox = self.store.delete_outbox_before(cutoff).await?;
        }
        Ok(swept)
    }
}

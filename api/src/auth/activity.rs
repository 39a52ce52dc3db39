//! Recording a session's activity without making requests queue: of the requests of one
//! session that arrive in this process together, one writes `last_seen_at` (when
//! `domain::session` says it is due) and the others go on without waiting for its row lock.

use uuid::Uuid;

/// Sessions whose `last_seen_at` a request of this process is writing now.
#[derive(Debug, Default)]
pub struct Touching(std::sync::Mutex<std::collections::HashSet<Uuid>>);

/// Holds a session in [`Touching`] until dropped.
#[must_use]
pub struct TouchGuard<'a>(&'a Touching, Uuid);

impl Touching {
    /// The right to write this session's `last_seen_at`, unless another request has it.
    pub fn claim(&self, session: Uuid) -> Option<TouchGuard<'_>> {
        let mut set = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Lazily: a guard made and dropped here would unlock another request's claim.
        set.insert(session).then(|| TouchGuard(self, session))
    }
}

impl Drop for TouchGuard<'_> {
    fn drop(&mut self) {
        let mut set = (self.0)
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        set.remove(&self.1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_claim_per_session_at_a_time() {
        let touching = Touching::default();
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let first = touching.claim(a).expect("free");
        assert!(touching.claim(a).is_none(), "taken");
        assert!(
            touching.claim(a).is_none(),
            "a refused claim leaves the first one alone"
        );
        let other = touching.claim(b).expect("another session is free");
        drop(first);
        assert!(touching.claim(a).is_some(), "free again once released");
        drop(other);
    }
}

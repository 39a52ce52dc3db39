//! Wrong passwords and wrong codes. Everything that guesses has a budget of tries
//! ([`Tries`]): wrong passwords in a row block the account; wrong codes void a sign-in, spend a
//! password-reset link or refuse a set-up code (their budgets per purpose are in
//! [`super::code`]).
//!
//! Wrong second-factor codes are counted on the account too (across sign-ins, password resets
//! and re-authentication; a right code ends the run): at `policy.max_failed_codes` (10) in a
//! row the account is blocked like after wrong passwords, and *forgot password* — whose own
//! code step must not become the way to keep guessing — stays open for as many again; after
//! that only the relations team's reset of the sign-in set-up opens the account.
//!
//! Wrong passwords are counted on the account, atomically in the database, so every instance
//! shares the count. Only an active account counts them: a blocked one stays blocked, and a
//! deactivated or unfinished one has no run to protect. A run ends ([`ends_run`]) with the right
//! password, a new password (chosen, or set through *forgot password*) or a new set-up; the
//! count is written back only when there is a run to end, so the usual sign-in writes nothing.

use poort_shared::dto::AccountStatus;

use crate::configuration::PolicySettings;

/// A budget of wrong tries: at `max` wrong ones in a row, what they guard is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tries {
    pub max: i32,
}

/// What one more wrong try leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterWrong {
    /// Counted; this many are left.
    Counted { left: i32 },
    /// The budget is spent.
    Exhausted,
}

impl Tries {
    /// After the `wrong`-th wrong try in a row (counting this one).
    pub fn after_wrong(self, wrong: i32) -> AfterWrong {
        if wrong >= self.max {
            AfterWrong::Exhausted
        } else {
            AfterWrong::Counted {
                left: self.max - wrong,
            }
        }
    }

    /// Whether `wrong` tries so far leave none (checked before a try).
    pub fn spent(self, wrong: i32) -> bool {
        wrong >= self.max
    }
}

/// The lockout of accounts by wrong passwords and by wrong second-factor codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lockout {
    /// Wrong passwords in a row that block the account (`policy.lockout_threshold`).
    pub passwords: Tries,
    /// Wrong codes in a row that block the account (`policy.max_failed_codes`), counted on the
    /// account across sign-ins, password resets and re-authentication.
    pub codes: Tries,
}

/// What a wrong second-factor code does to the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrongCode {
    Counted {
        in_a_row: i32,
    },
    /// This one reaches `max_failed_codes`: block the account, as after wrong passwords.
    Block {
        in_a_row: i32,
    },
    /// Twice `max_failed_codes`: the codes of *forgot password* were guessed at too; only the
    /// relations team's reset of the sign-in set-up opens the account again.
    CloseRecovery {
        in_a_row: i32,
    },
}

/// What a wrong password does to the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrongPassword {
    /// Counted, not yet at the threshold.
    Counted { in_a_row: i32 },
    /// This one reaches the threshold: block the account (its sessions end, its owner is
    /// told by e-mail; only *forgot password* unblocks it).
    Block { in_a_row: i32 },
}

impl Lockout {
    pub fn from_policy(policy: &PolicySettings) -> Self {
        Self {
            passwords: Tries {
                max: policy.lockout_threshold,
            },
            codes: Tries {
                max: policy.max_failed_codes,
            },
        }
    }

    /// A wrong code, now `in_a_row` in a row on the account.
    pub fn after_wrong_code(self, in_a_row: i32) -> WrongCode {
        if in_a_row >= self.codes.max.saturating_mul(2) {
            WrongCode::CloseRecovery { in_a_row }
        } else if self.codes.spent(in_a_row) {
            WrongCode::Block { in_a_row }
        } else {
            WrongCode::Counted { in_a_row }
        }
    }

    /// Whether *forgot password* is closed to the account: its wrong codes reached twice the
    /// maximum, and only a reset of its sign-in set-up by the relations team opens it.
    pub fn recovery_closed(self, wrong_codes: i32) -> bool {
        wrong_codes >= self.codes.max.saturating_mul(2)
    }

    /// Whether a wrong password for an account in `status` is counted at all.
    pub fn counts(status: AccountStatus) -> bool {
        status == AccountStatus::Active
    }

    /// A wrong password, now `in_a_row` in a row (as counted by the database).
    pub fn after_wrong_password(self, in_a_row: i32) -> WrongPassword {
        match self.passwords.after_wrong(in_a_row) {
            AfterWrong::Exhausted => WrongPassword::Block { in_a_row },
            AfterWrong::Counted { .. } => WrongPassword::Counted { in_a_row },
        }
    }
}

/// Whether the right password, a new password or a new set-up has a run of wrong passwords to
/// end (and so the account's count must be written back to zero).
pub fn ends_run(in_a_row: i32) -> bool {
    in_a_row != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lockout(max: i32) -> Lockout {
        Lockout {
            passwords: Tries { max },
            codes: Tries { max: 10 },
        }
    }

    #[test]
    fn wrong_codes_block_at_ten_and_close_recovery_at_twenty() {
        let l = lockout(5);
        assert_eq!(l.after_wrong_code(9), WrongCode::Counted { in_a_row: 9 });
        assert_eq!(l.after_wrong_code(10), WrongCode::Block { in_a_row: 10 });
        assert_eq!(l.after_wrong_code(19), WrongCode::Block { in_a_row: 19 });
        assert_eq!(
            l.after_wrong_code(20),
            WrongCode::CloseRecovery { in_a_row: 20 }
        );
        assert!(!l.recovery_closed(19));
        assert!(l.recovery_closed(20));
    }

    #[test]
    fn the_fifth_wrong_password_in_a_row_blocks() {
        let l = lockout(5);
        for n in 1..5 {
            assert_eq!(
                l.after_wrong_password(n),
                WrongPassword::Counted { in_a_row: n }
            );
        }
        assert_eq!(
            l.after_wrong_password(5),
            WrongPassword::Block { in_a_row: 5 }
        );
        // Another instance may have counted past it at the same moment: still a block.
        assert_eq!(
            l.after_wrong_password(6),
            WrongPassword::Block { in_a_row: 6 }
        );
    }

    #[test]
    fn only_active_accounts_count_wrong_passwords() {
        assert!(Lockout::counts(AccountStatus::Active));
        for status in [
            AccountStatus::Blocked,
            AccountStatus::Deactivated,
            AccountStatus::Invited,
        ] {
            assert!(!Lockout::counts(status), "{status}");
        }
    }

    #[test]
    fn a_run_is_ended_only_when_there_is_one() {
        assert!(!ends_run(0), "the usual sign-in writes nothing");
        assert!(ends_run(1));
        assert!(ends_run(4));
    }

    #[test]
    fn a_budget_of_tries_counts_down_and_is_spent_at_its_maximum() {
        let tries = Tries { max: 3 };
        assert_eq!(tries.after_wrong(1), AfterWrong::Counted { left: 2 });
        assert_eq!(tries.after_wrong(2), AfterWrong::Counted { left: 1 });
        assert_eq!(tries.after_wrong(3), AfterWrong::Exhausted);
        assert!(!tries.spent(2));
        assert!(tries.spent(3));
    }

    #[test]
    fn the_threshold_comes_from_the_policy() {
        let policy = PolicySettings {
            lockout_threshold: 3,
            ..PolicySettings::default()
        };
        assert_eq!(
            Lockout::from_policy(&policy).after_wrong_password(3),
            WrongPassword::Block { in_a_row: 3 }
        );
    }
}

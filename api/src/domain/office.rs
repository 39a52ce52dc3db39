//! Offices, their portfolios and the rights accounts have on them; whose data a request may
//! touch ([`Scope`]); and the rule that an office always keeps an active user administrator.

use chrono::{DateTime, Utc};
use poort_shared::ErrorCode;
use poort_shared::dto::{AccountStatus, PortfolioRightsResponse, RightsGrant, Role};
use poort_shared::validate::{AgencyNumber, KvkNumber};
use uuid::Uuid;

use super::Account;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Office {
    pub id: Uuid,
    pub name: String,
    pub kvk_number: KvkNumber,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeSummary {
    pub office: Office,
    pub portfolio_count: i64,
    pub account_count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Portfolio {
    pub id: Uuid,
    pub office_id: Uuid,
    pub agency_number: AgencyNumber,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A right in the catalogue (kept as data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Right {
    pub code: String,
    pub label_nl: String,
    pub label_en: String,
}

/// One right of an account on one portfolio, with the portfolio's names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRight {
    pub account_id: Uuid,
    pub portfolio_id: Uuid,
    pub agency_number: AgencyNumber,
    pub portfolio_name: String,
    pub right_code: String,
}

/// Whose data a request may touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One office (an office user administrator's own).
    Office(Uuid),
    /// Every office (the relations team).
    All,
}

impl Scope {
    /// Whether something of `office` (None: the relations team's own) is inside this scope.
    pub fn contains(self, office: Option<Uuid>) -> bool {
        match self {
            Scope::All => true,
            Scope::Office(id) => office == Some(id),
        }
    }

    /// The one office this scope is limited to, if any.
    pub fn office(self) -> Option<Uuid> {
        match self {
            Scope::Office(id) => Some(id),
            Scope::All => None,
        }
    }

    /// Whether an account may be seen and managed from this scope. Outside it the account
    /// does not exist for the caller (`not_found`, never `forbidden`: its existence is not
    /// told).
    pub fn may_manage(self, account: &Account) -> bool {
        self.contains(account.office_id) && (self == Scope::All || account.role != Role::Operator)
    }
}

/// Whether taking `account` out of the administrators (removing the role, deactivating it)
/// can leave its office without one: it is an active administrator of an office.
pub fn holds_administration(account: &Account) -> bool {
    account.role == Role::OfficeAdmin
        && account.status == AccountStatus::Active
        && account.office_id.is_some()
}

/// An office always keeps at least one active user administrator: one of `active_admins`
/// may leave only when another remains.
pub fn may_leave_administration(active_admins: i64) -> Result<(), ErrorCode> {
    if active_admins <= 1 {
        Err(ErrorCode::LastAdministrator)
    } else {
        Ok(())
    }
}

/// Why a set of grants was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantRefused {
    /// Not a portfolio of the account's office (or the account has no office).
    UnknownPortfolio,
    /// Not in the rights catalogue.
    UnknownRight(String),
}

/// Checks grants against the office's portfolios and the catalogue; returns the
/// (portfolio, right) pairs in the order given, without duplicates.
pub fn grant_pairs(
    office_portfolios: Option<&[Uuid]>,
    catalogue: &[String],
    grants: &[RightsGrant],
) -> Result<Vec<(Uuid, String)>, GrantRefused> {
    let mut pairs = Vec::new();
    for grant in grants {
        if !office_portfolios.is_some_and(|p| p.contains(&grant.portfolio_id)) {
            return Err(GrantRefused::UnknownPortfolio);
        }
        for right in &grant.rights {
            if !catalogue.contains(right) {
                return Err(GrantRefused::UnknownRight(right.clone()));
            }
            let pair = (grant.portfolio_id, right.clone());
            if !pairs.contains(&pair) {
                pairs.push(pair);
            }
        }
    }
    Ok(pairs)
}

/// A right on a portfolio: (portfolio, right code).
pub type Grant = (Uuid, String);

/// What changes from `current` to `wanted`: (granted, revoked).
pub fn rights_diff<'a>(
    current: &'a [Grant],
    wanted: &'a [Grant],
) -> (Vec<&'a Grant>, Vec<&'a Grant>) {
    let granted = wanted.iter().filter(|p| !current.contains(p)).collect();
    let revoked = current.iter().filter(|p| !wanted.contains(p)).collect();
    (granted, revoked)
}

/// What a rights check answers for one (portfolio, right): an unknown right or portfolio
/// first, then whether the caller reaches the portfolio, whether it is the account's office's,
/// whether the account may do anything at all, and only then whether it holds the right.
pub fn check_right(
    account: &Account,
    portfolio: Option<&Portfolio>,
    right_known: bool,
    reachable: bool,
    held: &[AccountRight],
    right: &str,
) -> poort_shared::dto::RightsCheckReason {
    use poort_shared::dto::RightsCheckReason as R;
    let Some(portfolio) = portfolio else {
        return R::UnknownPortfolio;
    };
    if !right_known {
        R::UnknownRight
    } else if !reachable {
        R::PortfolioNotAllowed
    } else if account.office_id != Some(portfolio.office_id) {
        R::PortfolioOfAnotherOffice
    } else if account.status != AccountStatus::Active {
        R::AccountNotActive
    } else if held
        .iter()
        .any(|r| r.portfolio_id == portfolio.id && r.right_code == right)
    {
        R::Granted
    } else {
        R::NotGranted
    }
}

/// Rights grouped per portfolio, in the order the rights come (the store sorts them by agency
/// number and catalogue order).
pub fn portfolios_of<'a>(
    rights: impl IntoIterator<Item = &'a AccountRight>,
) -> Vec<PortfolioRightsResponse> {
    let mut out: Vec<PortfolioRightsResponse> = Vec::new();
    for r in rights {
        match out.iter_mut().find(|p| p.portfolio_id == r.portfolio_id) {
            Some(p) => p.rights.push(r.right_code.clone()),
            None => out.push(PortfolioRightsResponse {
                portfolio_id: r.portfolio_id,
                agency_number: r.agency_number.to_string(),
                portfolio_name: r.portfolio_name.clone(),
                rights: vec![r.right_code.clone()],
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::account::tests::account;

    #[test]
    fn a_rights_check_says_why() {
        use poort_shared::dto::RightsCheckReason as R;
        let office = Uuid::from_u128(1);
        let mut adviser = account(Role::Adviser, AccountStatus::Active);
        adviser.office_id = Some(office);
        let now = chrono::DateTime::UNIX_EPOCH;
        let portfolio = Portfolio {
            id: Uuid::from_u128(10),
            office_id: office,
            agency_number: AgencyNumber::parse("A-1").unwrap(),
            name: "P".into(),
            created_at: now,
            updated_at: now,
        };
        let held = vec![AccountRight {
            account_id: adviser.id,
            portfolio_id: portfolio.id,
            agency_number: portfolio.agency_number.clone(),
            portfolio_name: "P".into(),
            right_code: "view_policies".into(),
        }];
        let check = |a: &Account, p: Option<&Portfolio>, known, reachable, right| {
            check_right(a, p, known, reachable, &held, right)
        };
        assert_eq!(
            check(&adviser, Some(&portfolio), true, true, "view_policies"),
            R::Granted
        );
        assert_eq!(
            check(&adviser, Some(&portfolio), true, true, "report_claims"),
            R::NotGranted
        );
        assert_eq!(
            check(&adviser, Some(&portfolio), false, true, "x"),
            R::UnknownRight
        );
        assert_eq!(
            check(&adviser, None, true, true, "view_policies"),
            R::UnknownPortfolio
        );
        assert_eq!(
            check(&adviser, Some(&portfolio), true, false, "view_policies"),
            R::PortfolioNotAllowed
        );
        let foreign = Portfolio {
            office_id: Uuid::from_u128(2),
            ..portfolio.clone()
        };
        assert_eq!(
            check(&adviser, Some(&foreign), true, true, "view_policies"),
            R::PortfolioOfAnotherOffice
        );
        adviser.status = AccountStatus::Deactivated;
        assert_eq!(
            check(&adviser, Some(&portfolio), true, true, "view_policies"),
            R::AccountNotActive,
            "a right held by an account that may do nothing counts for nothing"
        );
    }

    #[test]
    fn an_office_administrator_sees_only_their_own_office() {
        let (mine, other) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let scope = Scope::Office(mine);
        assert!(scope.contains(Some(mine)));
        assert!(!scope.contains(Some(other)));
        assert!(!scope.contains(None), "nor the relations team");
        assert!(Scope::All.contains(Some(other)) && Scope::All.contains(None));
        let mut colleague = account(Role::Adviser, AccountStatus::Active);
        colleague.office_id = Some(mine);
        assert!(scope.may_manage(&colleague));
        colleague.office_id = Some(other);
        assert!(!scope.may_manage(&colleague));
        assert!(Scope::All.may_manage(&colleague));
    }

    #[test]
    fn an_office_keeps_one_active_administrator() {
        let mut admin = account(Role::OfficeAdmin, AccountStatus::Active);
        admin.office_id = Some(Uuid::from_u128(1));
        assert!(holds_administration(&admin));
        assert_eq!(
            may_leave_administration(1),
            Err(ErrorCode::LastAdministrator)
        );
        assert_eq!(may_leave_administration(2), Ok(()));
        admin.status = AccountStatus::Deactivated;
        assert!(
            !holds_administration(&admin),
            "a deactivated one counts for nothing"
        );
        let adviser = account(Role::Adviser, AccountStatus::Active);
        assert!(!holds_administration(&adviser));
    }

    #[test]
    fn grants_must_name_the_offices_portfolios_and_known_rights() {
        let (p1, p2, stranger) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(9));
        let catalogue = vec!["view_policies".to_string(), "report_claims".to_string()];
        let grant = |p: Uuid, rights: &[&str]| RightsGrant {
            portfolio_id: p,
            rights: rights.iter().map(|r| r.to_string()).collect(),
        };
        let pairs = grant_pairs(
            Some(&[p1, p2]),
            &catalogue,
            &[
                grant(p1, &["view_policies", "view_policies"]),
                grant(p2, &["report_claims"]),
            ],
        )
        .unwrap();
        assert_eq!(
            pairs,
            [
                (p1, "view_policies".to_string()),
                (p2, "report_claims".to_string())
            ]
        );
        assert_eq!(
            grant_pairs(Some(&[p1]), &catalogue, &[grant(stranger, &[])]),
            Err(GrantRefused::UnknownPortfolio)
        );
        assert_eq!(
            grant_pairs(None, &catalogue, &[grant(p1, &[])]),
            Err(GrantRefused::UnknownPortfolio),
            "an account without an office has no portfolios"
        );
        assert_eq!(
            grant_pairs(Some(&[p1]), &catalogue, &[grant(p1, &["fly"])]),
            Err(GrantRefused::UnknownRight("fly".into()))
        );
        assert_eq!(grant_pairs(None, &catalogue, &[]), Ok(Vec::new()));
    }

    #[test]
    fn a_change_of_rights_names_what_was_granted_and_revoked() {
        let p = Uuid::from_u128(1);
        let current = vec![(p, "a".to_string()), (p, "b".to_string())];
        let wanted = vec![(p, "b".to_string()), (p, "c".to_string())];
        let (granted, revoked) = rights_diff(&current, &wanted);
        assert_eq!(granted, [&(p, "c".to_string())]);
        assert_eq!(revoked, [&(p, "a".to_string())]);
    }

    #[test]
    fn rights_are_grouped_per_portfolio_in_their_order() {
        let right = |p: u128, agency: &str, code: &str| AccountRight {
            account_id: Uuid::nil(),
            portfolio_id: Uuid::from_u128(p),
            agency_number: AgencyNumber::parse(agency).unwrap(),
            portfolio_name: format!("P{p}"),
            right_code: code.into(),
        };
        let rights = [
            right(1, "AG-1", "view_policies"),
            right(1, "AG-1", "report_claims"),
            right(2, "AG-2", "view_policies"),
        ];
        let grouped = portfolios_of(&rights);
        assert_eq!(grouped.len(), 2);
        assert_eq!(grouped[0].agency_number, "AG-1");
        assert_eq!(grouped[0].rights, ["view_policies", "report_claims"]);
        assert_eq!(grouped[1].rights, ["view_policies"]);
    }
}

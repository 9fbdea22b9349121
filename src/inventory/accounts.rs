//! Several accounts side by side: one inventory per account, loaded in parallel, each with its
//! own credentials, regions and pacing. Writes go to the account the repository was listed in.
//! An account that cannot be opened (a profile that is not there) fails its own regions only.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures::FutureExt;
use futures::future::BoxFuture;

use super::{Event, Inventory, InventoryError, LoadOptions, Scope, Sink};
use crate::model::inventory::scope_key;
use crate::model::tag_rules::PlanItem;
use crate::model::{Repository, Tag};

/// One account's inventory, or why it could not be opened. The alias names the account in
/// the list's ACCOUNT column and the header.
pub enum Account {
    Open {
        alias: String,
        inventory: Box<dyn Inventory>,
    },
    Failed {
        alias: String,
        label: String,
        regions: Vec<String>,
        error: InventoryError,
    },
}

pub struct Accounts {
    accounts: Vec<Arc<Account>>,
    /// Which account listed each repository, by ARN, for writes and policy fetches.
    owner: Arc<Mutex<HashMap<String, usize>>>,
}

impl Accounts {
    pub fn new(accounts: Vec<Account>) -> Accounts {
        Accounts {
            accounts: accounts.into_iter().map(Arc::new).collect(),
            owner: Arc::default(),
        }
    }

    fn owner_of(&self, arn: &str) -> Option<Arc<Account>> {
        let owner = self.owner.lock().unwrap_or_else(|p| p.into_inner());
        owner.get(arn).map(|&i| self.accounts[i].clone())
    }
}

impl Account {
    fn label(&self) -> String {
        match self {
            Account::Open { inventory, .. } => inventory.describe(),
            Account::Failed { label, .. } => label.clone(),
        }
    }

    fn alias(&self) -> &str {
        match self {
            Account::Open { alias, .. } | Account::Failed { alias, .. } => alias,
        }
    }

    fn regions(&self) -> Vec<String> {
        match self {
            Account::Open { inventory, .. } => inventory.regions(),
            Account::Failed { regions, .. } => regions.clone(),
        }
    }
}

impl Inventory for Accounts {
    fn describe(&self) -> String {
        let labels: Vec<String> = self.accounts.iter().map(|a| a.label()).collect();
        labels.join(" + ")
    }

    fn regions(&self) -> Vec<String> {
        let mut all: Vec<String> = Vec::new();
        for region in self.accounts.iter().flat_map(|a| a.regions()) {
            if !all.contains(&region) {
                all.push(region);
            }
        }
        all
    }

    fn scopes(&self) -> Vec<Scope> {
        self.accounts
            .iter()
            .flat_map(|a| {
                a.regions().into_iter().map(|region| Scope {
                    account: Some(a.alias().to_owned()),
                    region,
                })
            })
            .collect()
    }

    fn load(&self, opts: LoadOptions, sink: Sink) -> BoxFuture<'static, ()> {
        let loads: Vec<BoxFuture<'static, ()>> = self
            .accounts
            .iter()
            .enumerate()
            .map(|(i, account)| {
                load_one(i, account.clone(), opts, sink.clone(), self.owner.clone())
            })
            .collect();
        async move {
            futures::future::join_all(loads).await;
        }
        .boxed()
    }

    fn fetch_policies(&self, load: u64, repo: &Repository, sink: Sink) -> BoxFuture<'static, ()> {
        match self.owner_of(&repo.arn).as_deref() {
            Some(Account::Open { inventory, .. }) => inventory.fetch_policies(load, repo, sink),
            _ => async {}.boxed(),
        }
    }

    fn write_tags(
        &self,
        target: &PlanItem,
    ) -> BoxFuture<'static, Result<Vec<Tag>, InventoryError>> {
        match self.owner_of(&target.arn).as_deref() {
            Some(Account::Open { inventory, .. }) => inventory.write_tags(target),
            Some(Account::Failed { error, .. }) => {
                let error = error.clone();
                async move { Err(error) }.boxed()
            }
            None => {
                let region = target.region.clone();
                async move { Err(InventoryError::UnknownRegion(region)) }.boxed()
            }
        }
    }

    fn cli_context(&self) -> (Option<String>, Option<String>) {
        match self.accounts.first().map(|a| a.as_ref()) {
            Some(Account::Open { inventory, .. }) => inventory.cli_context(),
            _ => (None, None),
        }
    }
}

/// One account's load, its events passed on as they come and its repositories remembered.
/// Region-level events are named with the account's scope key, since the same region
/// appears in several accounts.
fn load_one(
    index: usize,
    account: Arc<Account>,
    opts: LoadOptions,
    sink: Sink,
    owner: Arc<Mutex<HashMap<String, usize>>>,
) -> BoxFuture<'static, ()> {
    async move {
        let (alias, inv) = match account.as_ref() {
            Account::Open { alias, inventory } => (alias, inventory),
            Account::Failed {
                alias,
                regions,
                error,
                ..
            } => {
                for region in regions {
                    let _ = sink.send(Event::RegionFailed {
                        load: opts.load,
                        region: scope_key(alias, region),
                        error: error.clone(),
                    });
                }
                return;
            }
        };
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let run = inv.load(opts, tx);
        let pass = async {
            while let Some(mut event) = rx.recv().await {
                match &mut event {
                    Event::Page { repos, region, .. } => {
                        let mut owner = owner.lock().unwrap_or_else(|p| p.into_inner());
                        for repo in repos.iter() {
                            owner.insert(repo.arn.clone(), index);
                        }
                        *region = scope_key(alias, region);
                    }
                    Event::RegionStarted { region, .. }
                    | Event::RegionListed { region, .. }
                    | Event::PoliciesDone { region, .. }
                    | Event::RegionFailed { region, .. } => {
                        *region = scope_key(alias, region);
                    }
                    Event::Tags { .. } | Event::Policies { .. } => {}
                }
                if sink.send(event).is_err() {
                    return;
                }
            }
        };
        tokio::join!(run, pass);
    }
    .boxed()
}

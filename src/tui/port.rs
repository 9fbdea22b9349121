//! The Port side of the event loop's effects: planning and sending a push, blueprint setup,
//! Port's services for suggestions, and drift, each in a task that reports back as a Msg.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::mpsc;

use super::{MAX_PORT_SERVICES, Runtime};
use crate::app::push::Prepared;
use crate::app::{Effect, Msg};
use crate::ops::context::{Context, load_mapping, open_catalog};
use crate::ops::push::{self as ops_push, Preflight};
use crate::ops::records::Records;
use crate::port::Catalog;
use crate::port::push::Push;

/// The blueprint check and the push plan, in a task a newer request aborts.
pub(super) fn prepare_push(effect: Effect, rt: &mut Runtime, ctx: &Context) {
    let Effect::PreparePush {
        generation,
        repos,
        mappings,
        semantics,
        shape,
        create_missing,
    } = effect
    else {
        return;
    };
    let tx = rt.msgs.clone();
    let (catalog, mappings) = match catalog_and_mappings(rt, ctx, mappings) {
        Ok(both) => both,
        Err(e) => {
            let _ = tx.send(Msg::PushPrepared {
                generation,
                result: Err(e),
            });
            return;
        }
    };
    if let Some(old) = rt.prepare_task.take() {
        old.abort();
    }
    rt.prepare_task = Some(tokio::spawn(async move {
        let target = catalog.describe();
        let records = Records::live(&repos, shape);
        let result = ops_push::plan(
            catalog.as_ref(),
            &mappings,
            None,
            semantics,
            &records,
            create_missing,
        )
        .await
        .map_err(|e| e.to_string())
        .map(|p| match p {
            Preflight::NeedsSetup(report) => Prepared::Blueprint {
                target,
                findings: report.describe(),
                steps: report.steps(),
            },
            Preflight::Ready {
                plan,
                skipped,
                report,
            } => Prepared::Plan {
                target,
                plan,
                skipped,
                notes: if report.ready() {
                    Vec::new()
                } else {
                    report.describe()
                },
            },
        });
        let _ = tx.send(Msg::PushPrepared { generation, result });
    }));
}

/// The tagged repositories through the mapping, then compared with Port, in a task a newer
/// request aborts.
pub(super) fn check_drift(effect: Effect, rt: &mut Runtime, ctx: &Context) {
    let Effect::CheckDrift {
        generation,
        repos,
        mappings,
        semantics,
        shape,
    } = effect
    else {
        return;
    };
    let tx = rt.msgs.clone();
    let fail = |e: String| Msg::DriftChecked {
        generation,
        result: Err(e),
    };
    let (catalog, mappings) = match catalog_and_mappings(rt, ctx, mappings) {
        Ok(both) => both,
        Err(e) => {
            let _ = tx.send(fail(e));
            return;
        }
    };
    if let Some(old) = rt.drift_task.take() {
        old.abort();
    }
    let prefix = ctx.prefix();
    rt.drift_task = Some(tokio::spawn(async move {
        let result = crate::ops::drift::check(
            catalog.as_ref(),
            &repos,
            &mappings,
            semantics,
            shape,
            &prefix,
        )
        .await
        .map(|report| {
            report
                .repos
                .into_iter()
                .map(|r| (r.arn, r.comparison))
                .collect()
        })
        .map_err(|e| e.to_string());
        let _ = tx.send(Msg::DriftChecked { generation, result });
    }));
}

/// Blueprint setup, sending and stopping a push, and Port's services for suggestions.
pub(super) fn perform_port(effect: Effect, rt: &mut Runtime, ctx: &Context) {
    match effect {
        Effect::SetupBlueprint { steps } => {
            let (tx, catalog) = (rt.msgs.clone(), rt.catalog.clone());
            tokio::spawn(async move {
                let result = match catalog {
                    Some(c) => crate::port::blueprint::apply(c.as_ref(), &steps)
                        .await
                        .map_err(|e| e.to_string()),
                    None => Err("not connected to Port".to_owned()),
                };
                let _ = tx.send(Msg::BlueprintApplied(result));
            });
        }
        Effect::StartPush {
            plan,
            include_unchanged,
        } => {
            let Some(catalog) = rt.catalog.clone() else {
                let _ = rt
                    .msgs
                    .send(Msg::PushFinished(Err("not connected to Port".into())));
                return;
            };
            let (tx, slot, stop) = (rt.msgs.clone(), rt.push.clone(), rt.push_stop.clone());
            let dir = ctx.journal_dir();
            stop.store(false, Ordering::SeqCst);
            rt.push_task = Some(tokio::spawn(async move {
                let mut guard = slot.lock().await;
                match ops_push::start(catalog.as_ref(), plan, include_unchanged, &dir) {
                    Ok((push, lease)) => {
                        let push = guard.insert(push);
                        let finished = send_push(push, &lease, catalog.as_ref(), &stop, &tx).await;
                        let _ = tx.send(Msg::PushFinished(Ok(finished)));
                    }
                    Err(e) => {
                        let _ = tx.send(Msg::PushFinished(Err(e.to_string())));
                    }
                }
            }));
        }
        Effect::RetryPush => {
            let (tx, slot, stop) = (rt.msgs.clone(), rt.push.clone(), rt.push_stop.clone());
            let catalog = rt.catalog.clone();
            let dir = ctx.journal_dir();
            stop.store(false, Ordering::SeqCst);
            rt.push_task = Some(tokio::spawn(async move {
                let mut guard = slot.lock().await;
                let result = match (guard.as_mut(), catalog) {
                    (Some(push), Some(catalog)) => {
                        match ops_push::lease_for(catalog.as_ref(), push, &dir) {
                            Ok(lease) => {
                                Ok(send_push(push, &lease, catalog.as_ref(), &stop, &tx).await)
                            }
                            Err(e) => Err(e.to_string()),
                        }
                    }
                    _ => Err("no push to retry".to_owned()),
                };
                let _ = tx.send(Msg::PushFinished(result));
            }));
        }
        Effect::StopPush => rt.push_stop.store(true, Ordering::SeqCst),
        Effect::LoadPortServices => {
            let tx = rt.msgs.clone();
            // Without Port credentials there is simply nothing to suggest from Port.
            let catalog = match open_push_catalog(rt, ctx) {
                Ok(c) => c,
                Err(e) => {
                    tracing::info!(reason = %e, "no Port services for tag suggestions");
                    let _ = tx.send(Msg::PortServices(Err(e)));
                    return;
                }
            };
            tokio::spawn(async move {
                let result = catalog
                    .all_entities(
                        crate::port::blueprint::SERVICE_TARGET,
                        &["$identifier", "$title"],
                        MAX_PORT_SERVICES,
                    )
                    .await
                    .map(|entities| {
                        entities
                            .iter()
                            .filter_map(crate::model::suggest::Service::from_entity)
                            .collect()
                    })
                    .map_err(|e| e.to_string());
                if let Err(e) = &result {
                    tracing::warn!(error = %e, "cannot read Port's services for suggestions");
                }
                let _ = tx.send(Msg::PortServices(result));
            });
        }
        _ => {}
    }
}

type Mappings = Vec<(crate::mapping::file::Origin, crate::mapping::file::Mapping)>;

/// What a push plan and a drift check both start from: the catalog, and the workbench's
/// mappings or else the mapping file's.
fn catalog_and_mappings(
    rt: &mut Runtime,
    ctx: &Context,
    mappings: Option<Mappings>,
) -> Result<(Arc<dyn Catalog>, Mappings), String> {
    let catalog = open_push_catalog(rt, ctx)?;
    let mappings = match mappings {
        Some(m) => m,
        None => load_mapping(ctx, None)
            .and_then(|file| file.mappings())
            .map_err(|e| format!("{e:#}"))?,
    };
    Ok((catalog, mappings))
}

fn open_push_catalog(rt: &mut Runtime, ctx: &Context) -> Result<Arc<dyn Catalog>, String> {
    if let Some(c) = &rt.catalog {
        return Ok(c.clone());
    }
    let catalog = open_catalog(ctx).map_err(|e| e.to_string())?;
    rt.catalog = Some(catalog.clone());
    Ok(catalog)
}

/// Sends what the push still has pending, reporting progress as messages.
async fn send_push(
    push: &mut Push,
    lease: &ops_push::Lease,
    catalog: &dyn Catalog,
    stop: &AtomicBool,
    tx: &mpsc::UnboundedSender<Msg>,
) -> crate::app::push::Finished {
    ops_push::send(
        push,
        lease,
        catalog,
        crate::port::push::DEFAULT_IN_FLIGHT,
        stop,
        |done, total| {
            let _ = tx.send(Msg::PushProgress { done, total });
        },
    )
    .await
}

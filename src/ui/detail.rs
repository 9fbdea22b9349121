//! One repository: the JSON Port's exporter would map, highlighted.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::{json, theme};
use crate::app::State;
use crate::model::{Fetched, tags, time};

/// Draws the pane and returns how many rows its text takes.
pub fn render(frame: &mut Frame, area: Rect, state: &State, arn: &str, scroll: u16) -> u16 {
    let Some(repo) = state.repo(arn) else {
        let block = Block::bordered()
            .title(" repository ")
            .border_style(theme::dim());
        frame.render_widget(
            Paragraph::new("This repository is no longer in the inventory (it was reloaded).")
                .block(block),
            area,
        );
        return 0;
    };
    let title = Line::from(vec![
        Span::styled(format!(" {} ", repo.name), theme::title()),
        Span::styled(format!("{} ", repo.region), theme::dim()),
        Span::styled("· exporter input (AWS::ECR::Repository) ", theme::dim()),
    ]);
    let block = Block::bordered().title(title).border_style(theme::dim());

    let mut lines = Vec::new();
    let services = tags::services(repo.tag_list(), &state.prefix);
    lines.push(Line::from(vec![
        Span::styled("services  ", theme::dim()),
        Span::raw(if services.is_empty() {
            "none".to_owned()
        } else {
            services.join(", ")
        }),
        Span::styled("   created  ", theme::dim()),
        Span::raw(
            repo.created_at
                .map(time::format_rfc3339)
                .unwrap_or_else(|| "—".into()),
        ),
    ]));
    for (what, fetched) in [
        ("tags", fetched_state(&repo.tags)),
        ("lifecycle policy", fetched_state(&repo.lifecycle_policy)),
        ("repository policy", fetched_state(&repo.repository_policy)),
    ] {
        if let Some((text, error)) = fetched {
            let style = if error { theme::error() } else { theme::dim() };
            lines.push(Line::styled(format!("{what}: {text}"), style));
        }
    }
    lines.push(Line::raw(""));
    let pretty = serde_json::to_string_pretty(&repo.exporter_json()).unwrap_or_default();
    lines.extend(json::highlight(&pretty));
    let rows = super::wrapped_rows(&lines, block.inner(area).width);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        area,
    );
    rows
}

/// A note for data that is not simply there: still loading, or failed.
fn fetched_state<T>(f: &Fetched<T>) -> Option<(String, bool)> {
    match f {
        Fetched::Pending => Some(("loading…".into(), false)),
        Fetched::Failed(e) => Some((e.clone(), true)),
        Fetched::Absent | Fetched::Present(_) => None,
    }
}

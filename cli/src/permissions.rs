//! `airflow-comms permissions`: the message type × channel matrix.

use std::process::ExitCode;

use airflow_comms::ChannelName;
use airflow_comms::channels::permission_matrix;
use serde_json::json;

use crate::{Failure, TableFormat};

pub fn run(format: TableFormat) -> Result<ExitCode, Failure> {
    let rows = permission_matrix();
    let channels: Vec<&str> = ChannelName::ALL.iter().map(|c| c.short_name()).collect();
    let text = match format {
        TableFormat::Json => {
            let types: Vec<_> = rows
                .iter()
                .map(|row| {
                    let permitted: serde_json::Map<_, _> = channels
                        .iter()
                        .zip(&row.permitted)
                        .map(|(c, p)| (c.to_string(), json!(p)))
                        .collect();
                    json!({ "type": row.type_tag, "group": row.group, "channels": permitted })
                })
                .collect();
            format!("{:#}\n", json!({ "channels": channels, "types": types }))
        }
        TableFormat::Markdown => {
            let mut out = format!("| type | group | {} |\n", channels.join(" | "));
            out.push_str(&format!("|---|---|{}\n", "---|".repeat(channels.len())));
            for row in &rows {
                let marks: Vec<&str> = row
                    .permitted
                    .iter()
                    .map(|&p| if p { "yes" } else { "—" })
                    .collect();
                out.push_str(&format!(
                    "| `{}` | {} | {} |\n",
                    row.type_tag,
                    row.group.unwrap_or("(reply)"),
                    marks.join(" | ")
                ));
            }
            out
        }
        TableFormat::Table => {
            let type_width = rows
                .iter()
                .map(|r| r.type_tag.len())
                .max()
                .unwrap_or(4)
                .max(4);
            let group_width = rows
                .iter()
                .map(|r| r.group.map_or(7, str::len))
                .max()
                .unwrap_or(5);
            let mut out = format!("{:type_width$}  {:group_width$}", "type", "group");
            for channel in &channels {
                out.push_str(&format!("  {channel}"));
            }
            out.push('\n');
            for row in &rows {
                out.push_str(&format!(
                    "{:type_width$}  {:group_width$}",
                    row.type_tag,
                    row.group.unwrap_or("(reply)")
                ));
                for (channel, &permitted) in channels.iter().zip(&row.permitted) {
                    let mark = if permitted { "✓" } else { "·" };
                    out.push_str(&format!("  {mark:^width$}", width = channel.len()));
                }
                out.push('\n');
            }
            out.push_str("\n✓ = the channel carries the type (Airflow's union for that process contains it)\n");
            out
        }
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

//! The evaluation's PNG: error rates per arm as grouped bars.

use std::path::Path;
use std::sync::OnceLock;

use plotters::prelude::*;
use plotters::style::FontStyle;

/// Where the label font is looked for (`ANANKE_PLOT_FONT` first).
const FONTS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
];

/// Registers a sans-serif font with plotters once (it draws text with
/// fonts it is given, and finds none itself without system libraries).
fn font() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            let candidates: Vec<String> = std::env::var("ANANKE_PLOT_FONT")
                .ok()
                .into_iter()
                .chain(FONTS.iter().map(|f| (*f).to_owned()))
                .collect();
            let bytes = candidates
                .iter()
                .find_map(|p| std::fs::read(p).ok())
                .ok_or_else(|| {
                    format!(
                        "no font for the plot: install fonts-dejavu-core or set ANANKE_PLOT_FONT (looked in {})",
                        candidates.join(", ")
                    )
                })?;
            // plotters keeps fonts for the life of the process.
            let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            plotters::style::register_font("sans-serif", FontStyle::Normal, bytes)
                .map_err(|_| "the plot font is not a usable TrueType font".to_owned())
        })
        .clone()
}

/// One group of bars: an arm's name and its error rates in percent
/// (does not parse, not mypy-clean, tests fail).
pub type Row = (String, [f64; 3]);

/// Draws the rates as a PNG at `path`.
pub fn error_rates(path: &Path, rows: &[Row], tasks: usize) -> Result<(), String> {
    font()?;
    draw(path, rows, tasks).map_err(|e| format!("{}: {e}", path.display()))
}

fn draw(path: &Path, rows: &[Row], tasks: usize) -> Result<(), Box<dyn std::error::Error>> {
    let root = BitMapBackend::new(path, (960, 540)).into_drawing_area();
    root.fill(&WHITE)?;
    let groups = rows.len().max(1) as f64;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("Error rates per arm, SmolLM2-135M ({tasks} tasks)"),
            ("sans-serif", 24),
        )
        .margin(20)
        .x_label_area_size(36)
        .y_label_area_size(60)
        // Headroom above 100% for the legend.
        .build_cartesian_2d(0f64..groups, 0f64..125f64)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_desc("% of programs")
        .y_label_formatter(&|y| {
            if *y <= 100.0 {
                format!("{y:.0}")
            } else {
                String::new()
            }
        })
        .label_style(("sans-serif", 16))
        .draw()?;
    let kinds = [
        ("does not parse", RGBColor(204, 68, 68)),
        ("not mypy --strict clean", RGBColor(68, 102, 204)),
        ("tests fail", RGBColor(221, 153, 51)),
    ];
    for (k, &(label, color)) in kinds.iter().enumerate() {
        let bars = rows.iter().enumerate().map(|(i, (_, rates))| {
            let left = i as f64 + 0.12 + k as f64 * 0.26;
            Rectangle::new([(left, 0.0), (left + 0.24, rates[k])], color.filled())
        });
        chart
            .draw_series(bars)?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], color.filled()));
    }
    for (i, (_, rates)) in rows.iter().enumerate() {
        for (k, rate) in rates.iter().enumerate() {
            let x = i as f64 + 0.12 + k as f64 * 0.26;
            chart.draw_series(std::iter::once(Text::new(
                format!("{rate:.0}"),
                (x + 0.05, rate + 4.0),
                ("sans-serif", 14),
            )))?;
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(("sans-serif", 15))
        .draw()?;
    for (i, (name, _)) in rows.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
        root.draw(&Text::new(
            name.clone(),
            (x - 6 * name.len() as i32 / 2, y + 10),
            ("sans-serif", 18),
        ))?;
    }
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plot_is_a_png_of_the_requested_size() {
        let path = std::env::temp_dir().join(format!("ananke-plot-{}.png", std::process::id()));
        let rows = vec![
            ("unconstrained".to_owned(), [8.0, 33.0, 83.0]),
            ("full".to_owned(), [0.0, 5.0, 80.0]),
        ];
        error_rates(&path, &rows, 12).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        // The IHDR chunk: width and height, big-endian.
        assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), 960);
        assert_eq!(u32::from_be_bytes(bytes[20..24].try_into().unwrap()), 540);
        // Bars, labels and the legend leave many pixels that are not white.
        assert!(bytes.len() > 5_000, "{} bytes", bytes.len());
    }
}

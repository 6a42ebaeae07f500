//! Pictures for share cards: an SVG (a project sheet's map) rasterised to PNG by resvg, in pure
//! Rust, since chat apps show PNG and JPEG previews but not SVG.

/// `svg` drawn `width` pixels wide (its height from its own proportions) as PNG bytes.
///
/// # Errors
/// A sentence saying why the picture could not be made.
pub fn png(svg: &str, width: u32) -> Result<Vec<u8>, String> {
    let tree = resvg::usvg::Tree::from_str(svg, &resvg::usvg::Options::default())
        .map_err(|e| format!("the picture's SVG is not usable: {e}"))?;
    let size = tree.size();
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "pixel sizes"
    )]
    let (scale, height) = {
        let scale = width as f32 / size.width();
        (scale, (size.height() * scale).round().max(1.0) as u32)
    };
    let mut pixmap =
        resvg::tiny_skia::Pixmap::new(width, height).ok_or_else(|| "the picture has no size".to_owned())?;
    resvg::render(&tree, resvg::tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| format!("the picture could not be encoded: {e}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_svg_becomes_a_png_of_the_asked_width() {
        let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"100\" viewBox=\"0 0 20 10\">\
                   <rect width=\"20\" height=\"10\" fill=\"#0072B2\"/></svg>";
        let png = super::png(svg, 120).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        // IHDR: width and height, big-endian, at bytes 16..24.
        assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 120);
        assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), 60);
        assert!(super::png("<not svg", 10).is_err());
    }
}

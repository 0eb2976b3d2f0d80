/**
 * What the memory chart and the digest chart share, so the two look like one product: the font
 * (Debian's fonts-dejavu-core, installed by scripts/setup.sh and in the Dockerfile's runtime
 * stage) and the colours both use for titles and for a memory limit.
 */

export const CHART_FONT_FAMILY = 'DejaVu Sans';
export const TITLE_COLOR = '#212529';
export const SUBTITLE_COLOR = '#495057';
export const LIMIT_COLOR = '#d62828';

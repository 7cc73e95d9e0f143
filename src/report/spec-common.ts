/**
 * Shared pieces of the vega-lite specs. Specs are plain JSON objects, compiled to vega when the page
 * is written (page.ts) and rendered by vega in the page; the spec tests compile and render every one in Node.
 */
export type VlSpec = Record<string, unknown>;

export const WIDTH = 920;
export const PANEL_WIDTH = 270;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Top-level wrapper: schema, title, UTC time, quiet view frame. */
export function chart(title: string, body: VlSpec, subtitle?: string | readonly string[]): VlSpec {
  return {
    $schema: SCHEMA,
    title: subtitle ? {text: title, subtitle, anchor: 'start'} : {text: title, anchor: 'start'},
    background: 'white',
    config: {
      view: {stroke: null},
      font: 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif',
      axis: {labelFontSize: 11, titleFontSize: 11, gridColor: '#eceff3'},
      legend: {labelFontSize: 11, titleFontSize: 11, orient: 'top'},
      title: {fontSize: 14, subtitleFontSize: 11, subtitleColor: '#5b6470'},
    },
    ...body,
  };
}

/**
 * A UTC time axis on field `field`, optionally pinned to the run's span so sparse series (funding,
 * events) line up with the other charts. domainMin/Max rather than domain: an explicit domain in
 * one layer makes vega-lite warn about conflicting domains.
 */
export function timeX(field = 't', title = '', span?: readonly [number, number]): VlSpec {
  const scale = span ? {type: 'utc', domainMin: span[0], domainMax: span[1]} : {type: 'utc'};
  // A tick at UTC midnight shows its date, any other its time: a 1-minute run's hourly ticks read
  // 09:00, 10:00 … instead of repeating the same date, a multi-year run's monthly ticks stay dates.
  const label = "utchours(datum.value) === 0 && utcminutes(datum.value) === 0 ? utcFormat(datum.value, '%Y-%m-%d') : utcFormat(datum.value, '%H:%M')";
  return {field, type: 'temporal', title, scale, axis: {labelExpr: label, labelOverlap: true}};
}

/** A UTC time in a tooltip (a utc time unit is what makes vega-lite format it in UTC). */
export const TIME_TOOLTIP = (field = 't', title = 'time (UTC)'): VlSpec => ({
  field, type: 'temporal', title, timeUnit: 'utcyearmonthdatehoursminutes', format: '%Y-%m-%d %H:%M',
});

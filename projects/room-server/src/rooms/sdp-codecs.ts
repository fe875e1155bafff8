/**
 * Restricts the video codecs of a publisher's offer before room-server
 * relays it to ion-sfu (config `publishVideoCodecs`, default VP8), so every
 * stream of a room is in a codec each subscriber decodes: Firefox has no
 * H.264 without its downloaded OpenH264 plugin, the egress's @roamhq/wrtc is
 * built without H.264, and E2EE keeps only VP8's header readable; Chromium +
 * ion-sfu otherwise settle on H.264 (docs/browsers.md). ngx-trtc already
 * offers VP8 only (its transport/codec-preferences.ts, the same policy);
 * this covers publishers that cannot or do not set codec preferences.
 * The browser keeps its local description; ion-sfu's answer then names a
 * codec from the kept list, which the browser's offer contained, so nothing
 * has to be renegotiated. A video section that offers none of the kept
 * codecs is left as it was (the client still publishes; egress cannot show it).
 *
 * Hand-written: the change is a filter over a few line kinds of one section,
 * and the SDP libraries on npm (sdp-transform…) parse and re-serialise the
 * whole description, re-ordering attributes browsers are picky about.
 */

/** Companion formats kept along with the codecs they protect or repeat. */
const COMPANIONS = new Set(['rtx', 'red', 'ulpfec', 'flexfec-03']);

/**
 * `sdp` with every `m=video` section limited to `codecs` (names as in
 * `a=rtpmap`, case-insensitive, e.g. `['VP8']`) plus their rtx/red/fec
 * companions; the order of what is kept is the offerer's.
 */
export function restrictVideoCodecs(sdp: string, codecs: readonly string[]): string {
  const allowed = new Set(codecs.map((c) => c.toUpperCase()));
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(/\r?\n/);
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    if (!lines[i]!.startsWith('m=')) {
      out.push(lines[i]!);
      i++;
      continue;
    }
    let end = i + 1;
    while (end < lines.length && !lines[end]!.startsWith('m=')) end++;
    const section = lines.slice(i, end);
    out.push(...(section[0]!.startsWith('m=video ') ? filterSection(section, allowed) : section));
    i = end;
  }
  return out.join(eol);
}

function filterSection(section: string[], allowed: ReadonlySet<string>): string[] {
  const names = new Map<string, string>();
  const apt = new Map<string, string>();
  for (const line of section) {
    const rtpmap = /^a=rtpmap:(\d+) ([^/\s]+)/.exec(line);
    if (rtpmap) names.set(rtpmap[1]!, rtpmap[2]!.toUpperCase());
    const fmtp = /^a=fmtp:(\d+) .*\bapt=(\d+)/.exec(line);
    if (fmtp) apt.set(fmtp[1]!, fmtp[2]!);
  }
  const main = new Set([...names].filter(([, name]) => allowed.has(name)).map(([pt]) => pt));
  if (main.size === 0) return section;
  const keep = new Set(main);
  // red/fec cover whatever is sent; then rtx repeats one kept format (its apt).
  for (const [pt, name] of names) if (COMPANIONS.has(name.toLowerCase()) && name !== 'RTX') keep.add(pt);
  for (const [pt, name] of names) if (name === 'RTX' && keep.has(apt.get(pt) ?? '')) keep.add(pt);
  const [mLine, ...rest] = section;
  const parts = mLine!.split(' ');
  const formats = parts.slice(3).filter((pt) => keep.has(pt) || !names.has(pt));
  const kept = rest.filter((line) => {
    const pt = /^a=(?:rtpmap|fmtp|rtcp-fb):(\d+)[ ]/.exec(line)?.[1];
    return pt === undefined || keep.has(pt);
  });
  return [[...parts.slice(0, 3), ...formats].join(' '), ...kept];
}

// A QR code drawn here, in the browser, as SVG: the TOTP secret it carries never goes to a
// third-party image service.
import { encode } from 'uqr';

export function QrCode(props: { text: string; label: string; size?: number }) {
  const { data, size } = encode(props.text, { ecc: 'M', border: 2 });
  let path = '';
  data.forEach((row, y) => row.forEach((dark, x) => { if (dark) path += `M${x} ${y}h1v1h-1z`; }));
  const px = props.size ?? 200;
  return (
    <svg class="qr" role="img" aria-label={props.label} width={px} height={px} viewBox={`0 0 ${size} ${size}`} shape-rendering="crispEdges">
      <rect width={size} height={size} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}

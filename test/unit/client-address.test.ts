import { describe, expect, it } from 'vitest';
import { clientLimitKey } from '../../functions/api/client-key';
import { clientAddress, ORIGIN_VERIFY_HEADER, tooManyRequests } from '../../functions/api/http';
import { apiEvent } from '../support/api-event';

const SECRET = 'origin-secret-0123456789abcdefghijklmnop';
/** As API Gateway sees a request CloudFront forwarded: the edge's address as sourceIp. */
const viaCloudFront = (headers: Record<string, string>) => apiEvent({ method: 'POST', path: '/api/signups', sourceIp: '130.176.1.1', headers });

describe('clientAddress', () => {
  it("takes the viewer's address (without its port) from CloudFront when the origin secret is on the request", () => {
    expect(clientAddress(viaCloudFront({ [ORIGIN_VERIFY_HEADER]: SECRET, 'cloudfront-viewer-address': '198.51.100.23:46532' }), SECRET)).toBe('198.51.100.23');
    expect(clientAddress(viaCloudFront({ [ORIGIN_VERIFY_HEADER]: SECRET, 'cloudfront-viewer-address': '2001:db8::17:46532' }), SECRET)).toBe('2001:db8::17');
    expect(clientAddress(viaCloudFront({ [ORIGIN_VERIFY_HEADER]: SECRET, 'CloudFront-Viewer-Address': '[2001:db8::17]:443' }), SECRET)).toBe('2001:db8::17');
  });

  it('ignores a CloudFront-Viewer-Address a client wrote itself (no secret, or a wrong one)', () => {
    const spoofed = { 'cloudfront-viewer-address': '198.51.100.23:1' };
    expect(clientAddress(viaCloudFront(spoofed), SECRET)).toBe('130.176.1.1');
    expect(clientAddress(viaCloudFront({ ...spoofed, [ORIGIN_VERIFY_HEADER]: 'guess' }), SECRET)).toBe('130.176.1.1');
    expect(clientAddress(viaCloudFront({ ...spoofed, [ORIGIN_VERIFY_HEADER]: `${SECRET}x` }), SECRET)).toBe('130.176.1.1');
  });

  it('trusts no header where no origin secret is configured (the embedded default), not even an empty one sent', () => {
    expect(clientAddress(viaCloudFront({ [ORIGIN_VERIFY_HEADER]: '', 'cloudfront-viewer-address': '198.51.100.23:1' }), undefined)).toBe('130.176.1.1');
    expect(clientAddress(viaCloudFront({ [ORIGIN_VERIFY_HEADER]: '', 'cloudfront-viewer-address': '198.51.100.23:1' }), '')).toBe('130.176.1.1');
  });

  it('never reads X-Forwarded-For, with or without the secret', () => {
    const xff = { 'x-forwarded-for': '10.9.8.7, 130.176.1.1', 'x-real-ip': '10.9.8.7' };
    expect(clientAddress(apiEvent({ sourceIp: '203.0.113.5', headers: xff }), SECRET)).toBe('203.0.113.5');
    expect(clientAddress(viaCloudFront({ ...xff, [ORIGIN_VERIFY_HEADER]: SECRET, 'cloudfront-viewer-address': '198.51.100.23:46532' }), SECRET)).toBe('198.51.100.23');
  });

  it('falls back to the source address when CloudFront\'s header is missing or not an address', () => {
    expect(clientAddress(viaCloudFront({ [ORIGIN_VERIFY_HEADER]: SECRET }), SECRET)).toBe('130.176.1.1');
    expect(clientAddress(viaCloudFront({ [ORIGIN_VERIFY_HEADER]: SECRET, 'cloudfront-viewer-address': 'evil.example:80' }), SECRET)).toBe('130.176.1.1');
  });
});

describe('tooManyRequests', () => {
  it('answers 429 with Retry-After in seconds and the same number in the JSON body', () => {
    const result = tooManyRequests(42.2, 'Too many signups from your address.');
    expect(result.statusCode).toBe(429);
    expect(result.headers).toMatchObject({ 'retry-after': '43', 'content-type': expect.stringContaining('application/json') });
    expect(JSON.parse(result.body ?? '')).toEqual({ error: 'Too many signups from your address.', retryAfterSeconds: 43 });
  });
});

describe('clientLimitKey', () => {
  const from = (sourceIp: string) => clientLimitKey(apiEvent({ sourceIp }));
  it('keys an IPv6 client by its /64, however the address is written', () => {
    expect(from('2001:db8:a:b:1:2:3:4')).toBe('2001:db8:a:b::/64');
    expect(from('2001:0db8:000a:000b::9')).toBe('2001:db8:a:b::/64');
    expect(from('2001:db8:a:c::1')).not.toBe(from('2001:db8:a:b::1'));
  });
  it('keys IPv4 by the address, also when it arrives IPv4-mapped', () => {
    expect(from('203.0.113.7')).toBe('203.0.113.7');
    expect(from('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });
});

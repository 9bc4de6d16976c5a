import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidTransportUrl, redactTransportUrl, toAmqpUrls, transportScheme } from '../../../src/rpc/transport-url.js';

describe('transport_url conversion', () => {
  it('turns a rabbit:// URL into an amqp:// URL with the same credentials, host, port and vhost', () => {
    assert.deepEqual(toAmqpUrls('rabbit://nova:s3cret@rabbit.example:5672/openstack'), [
      'amqp://nova:s3cret@rabbit.example:5672/openstack',
    ]);
  });

  it('keeps the default vhost of a URL ending in a slash, and of one with no path', () => {
    assert.deepEqual(toAmqpUrls('rabbit://guest:guest@127.0.0.1:5672/'), ['amqp://guest:guest@127.0.0.1:5672/']);
    assert.deepEqual(toAmqpUrls('rabbit://guest:guest@127.0.0.1:5672'), ['amqp://guest:guest@127.0.0.1:5672/']);
  });

  it('gives one URL per broker of a clustered URL, in order', () => {
    assert.deepEqual(toAmqpUrls('rabbit://a:pa@h1:5672,b:pb@h2:5673/nova'), [
      'amqp://a:pa@h1:5672/nova',
      'amqp://b:pb@h2:5673/nova',
    ]);
  });

  it('uses amqps when ssl is on, and passes on only options amqplib knows', () => {
    assert.deepEqual(toAmqpUrls('rabbit://u:p@h:5671/v?ssl=1&heartbeat=30&ssl_ca_file=/etc/ca.pem'), [
      'amqps://u:p@h:5671/v?heartbeat=30',
    ]);
    assert.deepEqual(toAmqpUrls('rabbit://u:p@h/v?ssl=false'), ['amqp://u:p@h/v']);
  });

  it('defaults to localhost, and keeps bracketed IPv6 hosts', () => {
    assert.deepEqual(toAmqpUrls('rabbit://'), ['amqp://localhost/']);
    assert.deepEqual(toAmqpUrls('rabbit://[::1]:5672/'), ['amqp://[::1]:5672/']);
  });

  it('refuses URLs that are not RabbitMQ, or malformed', () => {
    assert.throws(() => toAmqpUrls('kafka://h:9092/'), InvalidTransportUrl);
    assert.throws(() => toAmqpUrls('rabbit://a@h1,,b@h2/'), InvalidTransportUrl);
    assert.throws(() => transportScheme('guest@localhost'), InvalidTransportUrl);
  });

  it('names the driver of any transport URL', () => {
    assert.equal(transportScheme('Rabbit://h/'), 'rabbit');
    assert.equal(transportScheme('local://'), 'local');
  });

  it('masks every password when a URL is shown', () => {
    assert.equal(redactTransportUrl('rabbit://a:pa@h1:5672,b:pb@h2/v'), 'rabbit://a:***@h1:5672,b:***@h2/v');
    assert.equal(redactTransportUrl('rabbit://h1:5672/v'), 'rabbit://h1:5672/v');
    const err = new InvalidTransportUrl('kafka://u:topsecret@h/', 'nope');
    assert.doesNotMatch(err.message, /topsecret/);
  });
});

/**
 * A real RTMP server for egress tests: Debian's nginx with
 * libnginx-mod-rtmp, run as one foreground process (no daemon, no workers)
 * with a prefix and configuration of its own, listening on loopback only.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the nginx binary and the RTMP module are looked for. */
export function findNginxRtmp(): { nginx: string; module: string } | undefined {
  const nginx = [process.env['NGINX_BIN'], '/usr/sbin/nginx'].find((p): p is string => !!p && existsSync(p));
  const module = [process.env['NGINX_RTMP_MODULE'], '/usr/lib/nginx/modules/ngx_rtmp_module.so'].find((p): p is string => !!p && existsSync(p));
  return nginx && module ? { nginx, module } : undefined;
}

/** A prefix directory with a configuration for an RTMP server on 127.0.0.1:`port` (application `live`). */
export function writeNginxRtmpPrefix(module: string, port: number): { dir: string; args: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'nginx-rtmp-'));
  mkdirSync(join(dir, 'logs'));
  writeFileSync(
    join(dir, 'nginx.conf'),
    `load_module ${module};
daemon off;
master_process off;
error_log logs/error.log info;
pid logs/nginx.pid;
events { worker_connections 128; }
rtmp {
  server {
    listen 127.0.0.1:${port};
    application live { live on; record off; }
  }
}
`,
  );
  return { dir, args: ['-p', `${dir}/`, '-e', 'logs/error.log', '-c', 'nginx.conf'] };
}

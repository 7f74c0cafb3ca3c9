import { ParlorError } from './errors.js';

/** What `POST /v1/uploads` answers. */
export interface UploadReply {
  upload: string;
  name: string;
  mime: string;
  size: number;
}

/**
 * Uploads a file with progress (fetch cannot report upload progress; XMLHttpRequest can). Rejects with a
 * {@link ParlorError}: `unauthorized` (401), `too_large` (413), `rate_limited` with `retryAfterMs` (429, an
 * upload quota or the request rate), `network`, or `upload_failed` for anything else.
 */
export function uploadFile(
  url: string,
  token: string,
  file: Blob,
  name: string,
  mime: string,
  onProgress: (fraction: number) => void,
): Promise<UploadReply> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.setRequestHeader('content-type', mime);
    xhr.setRequestHeader('x-parlor-filename', encodeURIComponent(name));
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    xhr.onerror = () => reject(new ParlorError('network', 'the upload could not reach the server'));
    xhr.onload = () => {
      let reply: unknown;
      try {
        reply = JSON.parse(xhr.responseText);
      } catch {
        reply = null;
      }
      if (xhr.status === 201 && reply && typeof reply === 'object' && 'upload' in reply) {
        onProgress(1);
        resolve(reply as UploadReply);
        return;
      }
      const error = (reply as { error?: { message?: string; retryAfterMs?: number } } | null)?.error;
      // 429: an upload quota or the request rate; `retryAfterMs` says when the server takes files again.
      const code =
        ({ 401: 'unauthorized', 413: 'too_large', 429: 'rate_limited' } as const)[xhr.status] ?? 'upload_failed';
      reject(new ParlorError(code, error?.message ?? `the upload failed (${xhr.status})`, error?.retryAfterMs));
    };
    xhr.send(file);
  });
}

import { describe, expect, it } from 'vitest';
import { fileIdOf } from '../../src/slack/web-gateway';

describe("the upload's answer, parsed", () => {
  it('finds the file id where filesUploadV2 puts it, or on the job', () => {
    expect(fileIdOf({ ok: true, files: [{ ok: true, files: [{ id: 'F123', name: 'chart.png' }] }] })).toBe('F123');
    expect(fileIdOf({ files: [{ id: 'F456' }] })).toBe('F456');
    expect(fileIdOf({ files: [{ files: [{ name: 'no id' }, { id: 'F789' }] }] })).toBe('F789');
  });

  it('is null for anything else, never a throw', () => {
    for (const odd of [null, undefined, 'F1', 42, {}, { files: null }, { files: 'F1' }, { files: [null] }, { files: [{ id: 7 }] }, { files: [{ files: [{ id: 7 }] }] }]) {
      expect(fileIdOf(odd), JSON.stringify(odd)).toBeNull();
    }
  });
});

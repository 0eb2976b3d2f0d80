/**
 * The Slack calls behind the incident features of issue 13 (timeline file, Home tab, who can see
 * which channel), apart from SlackGateway so fakes of the older interface need nothing new.
 */

import type { HomeView } from '@slack/types';

export interface IncidentSlack {
  /** Uploads a file and shares it in a thread (or the channel when threadTs is null); returns its file id. */
  uploadThreadFile(file: {
    readonly channel: string;
    readonly threadTs: string | null;
    readonly content: Buffer;
    readonly filename: string;
    readonly title: string;
    /** The message posted with the file. */
    readonly comment: string;
  }): Promise<string>;
  /** Shows `view` as the user's Home tab (views.publish). */
  publishHome(userId: string, view: HomeView): Promise<void>;
  /** The conversations a user is in that pymem can see (users.conversations, archived ones left out). */
  memberChannels(userId: string): Promise<string[]>;
}

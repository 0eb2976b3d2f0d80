/**
 * The Slack gateway of OAuth mode (issue 14): each call goes out with the token of the installation
 * the work belongs to (scope.ts), through a WebApiGateway of that installation's own,
 * so rate-limit lanes stay per workspace as Slack counts them.
 */

import type { HomeView } from '@slack/types';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import type { SlackMessage } from '../slack/blocks';
import { SlackCallError, type ConversationInfo, type SlackGateway } from '../slack/gateway';
import type { IncidentSlack } from '../slack/incident-gateway';
import { currentInstallation } from './scope';
import { WebApiGateway, type GatewayOptions } from '../slack/web-gateway';
import type { Telemetry } from '../observability/telemetry';

export class InstallationGateway implements SlackGateway, IncidentSlack {
  /** By token: a reinstall brings a new token and so a fresh client. */
  readonly #gateways = new Map<string, WebApiGateway>();

  constructor(
    private readonly clientOptions: WebClientOptions,
    private readonly telemetry: Telemetry,
    private readonly options: GatewayOptions = {},
  ) {}

  async postMessage(channel: string, message: SlackMessage, options?: { readonly threadTs?: string }): Promise<{ readonly ts: string }> {
    return this.current('chat.postMessage').postMessage(channel, message, options);
  }

  async updateMessage(channel: string, ts: string, message: SlackMessage): Promise<void> {
    return this.current('chat.update').updateMessage(channel, ts, message);
  }

  async postEphemeral(channel: string, user: string, message: SlackMessage): Promise<void> {
    return this.current('chat.postEphemeral').postEphemeral(channel, user, message);
  }

  async uploadImage(png: Buffer, filename: string, title: string): Promise<string> {
    return this.current('files.uploadV2').uploadImage(png, filename, title);
  }

  async conversationInfo(channel: string, options?: { readonly deadlineMs?: number }): Promise<ConversationInfo> {
    return this.current('conversations.info').conversationInfo(channel, options);
  }

  async uploadThreadFile(file: Parameters<IncidentSlack['uploadThreadFile']>[0]): Promise<string> {
    return this.current('files.uploadV2').uploadThreadFile(file);
  }

  async workspaceUrl(): Promise<string | null> {
    return this.current('auth.test').workspaceUrl();
  }

  async publishHome(userId: string, view: HomeView): Promise<void> {
    return this.current('views.publish').publishHome(userId, view);
  }

  async memberChannels(userId: string): Promise<string[]> {
    return this.current('users.conversations').memberChannels(userId);
  }

  /** Drops the clients of a token that no longer works (uninstalled, revoked). */
  forget(botToken: string): void {
    this.#gateways.delete(botToken);
  }

  /** Throws (inside the async methods, so callers get a rejected promise) when no installation is in scope. */
  private current(method: string): WebApiGateway {
    const scope = currentInstallation();
    // A programming error, not Slack's: work started outside a request or an installation's turn.
    if (scope === undefined) throw new SlackCallError(method, 'no_installation', `${method}: no installation to call Slack for (work outside a request in OAuth mode)`);
    let gateway = this.#gateways.get(scope.botToken);
    if (gateway === undefined) {
      gateway = new WebApiGateway(new WebClient(scope.botToken, this.clientOptions), this.telemetry, this.options);
      this.#gateways.set(scope.botToken, gateway);
    }
    return gateway;
  }
}

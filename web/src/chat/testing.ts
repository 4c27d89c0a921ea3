// What the chat's unit tests share: the settings of an open room that lets guests post.
import type { ChatSettings } from '../../../core/wire/chat.ts';

export const OPEN_ROOM: ChatSettings = {
  mode: 'open',
  slowModeSeconds: 0,
  links: 'members',
  guests: true,
  maxLength: 500,
};

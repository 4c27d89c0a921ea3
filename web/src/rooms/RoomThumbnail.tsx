// A room's picture in the list: the venue box's preview while live (its URL changes with
// every new preview, so the 5 s refresh shows a fresh one), else a box saying the state.
import { type PublicRoom, STATE_LABELS } from '../api.ts';

export function RoomThumbnail({ room }: { room: PublicRoom }) {
  if (room.thumbnailUrl) {
    return (
      <img
        class='thumbnail'
        data-thumbnail=''
        src={room.thumbnailUrl}
        alt=''
        loading='lazy'
        width={320}
        height={180}
      />
    );
  }
  // Decorative: the state badge beside the title says the same to screen readers.
  return (
    <span class='thumbnail thumbnail-placeholder' aria-hidden='true'>
      {STATE_LABELS[room.state]}
    </span>
  );
}

/**
 * Block Kit checks that Slack applies when a message is posted, as a pure function.
 *
 * The Slack stand-in answers `invalid_blocks` when this finds a problem, and the playground shows the
 * same list, so a message that would bounce off real Slack bounces here too. It covers the limits and
 * rules that matter to the bot (counts, text lengths, image sources, unique ids, option lists); it is
 * not a full schema of Block Kit.
 */

/** One thing Slack would reject, located by a JSON pointer into the posted arguments (`/blocks/3/text`). */
export interface BlockProblem {
  readonly pointer: string;
  readonly message: string;
}

/** A `slack_file` reference as it appears in an image block or image element. */
export interface SlackFileRef {
  readonly id?: string;
  readonly url?: string;
}

/** What the validator needs to know about an uploaded file. */
export interface SlackFileStatus {
  readonly mimetype: string;
  /** False while Slack is still processing a fresh upload: references to it fail for a moment. */
  readonly ready: boolean;
}

export interface BlockValidationContext {
  /** 50 for messages (the default); Slack allows 100 in modals and App Home. */
  readonly maxBlocks?: number;
  /**
   * Resolves a `slack_file` by id or by its url_private/permalink. Without it, file references are
   * only checked for shape, not existence.
   */
  readonly findFile?: (ref: SlackFileRef) => SlackFileStatus | undefined;
}

/** Slack's documented limits, in characters unless named otherwise. */
export const BLOCK_LIMITS = {
  blocksPerMessage: 50,
  blocksPerModal: 100,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  buttonText: 75,
  buttonValue: 2000,
  url: 3000,
  accessibilityLabel: 75,
  imageUrl: 3000,
  altText: 2000,
  imageTitle: 2000,
  blockId: 255,
  actionId: 255,
  actionsElements: 25,
  contextElements: 10,
  optionText: 75,
  optionValue: 150,
  optionDescription: 75,
  checkboxOptions: 10,
  radioOptions: 10,
  selectOptions: 100,
  overflowOptions: 5,
  placeholderText: 150,
  inputLabel: 2000,
  markdownText: 12000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
} as const;

/** Slack's own pattern for file ids in `slack_file.id`. */
const FILE_ID = /^F[A-Z0-9]{8,}$/;
const IMAGE_MIMETYPES = new Set(['image/png', 'image/jpeg', 'image/gif']);

const BLOCK_TYPES = new Set([
  'actions',
  'context',
  'context_actions',
  'divider',
  'file',
  'header',
  'image',
  'input',
  'markdown',
  'rich_text',
  'section',
  'table',
  'video',
]);

const SELECT_TYPES = new Set([
  'static_select',
  'external_select',
  'users_select',
  'conversations_select',
  'channels_select',
  'multi_static_select',
  'multi_external_select',
  'multi_users_select',
  'multi_conversations_select',
  'multi_channels_select',
]);

const OTHER_ELEMENT_TYPES = new Set([
  'datepicker',
  'datetimepicker',
  'timepicker',
  'plain_text_input',
  'number_input',
  'email_text_input',
  'url_text_input',
  'rich_text_input',
  'file_input',
  'workflow_button',
  'feedback_buttons',
  'icon_button',
]);

type Obj = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The text shown in a problem, the way Slack words it in `response_metadata.messages`. */
export function formatProblem(problem: BlockProblem): string {
  return `${problem.message} [json-pointer:${problem.pointer}]`;
}

/**
 * Checks the `blocks` argument of a message. Returns every problem found (empty when Slack would
 * accept the blocks); `pointerBase` is where the blocks sit in the request, `/blocks` by default.
 */
export function validateBlocks(blocks: unknown, context: BlockValidationContext = {}, pointerBase = '/blocks'): BlockProblem[] {
  const checker = new Checker(context);
  checker.blocks(blocks, pointerBase);
  return checker.problems;
}

class Checker {
  readonly problems: BlockProblem[] = [];
  private readonly blockIds = new Map<string, string>();
  private readonly actionIds = new Map<string, string>();

  constructor(private readonly context: BlockValidationContext) {}

  private fail(pointer: string, message: string): void {
    this.problems.push({ pointer, message });
  }

  blocks(blocks: unknown, pointer: string): void {
    if (!Array.isArray(blocks)) {
      this.fail(pointer, 'must be an array of blocks');
      return;
    }
    const max = this.context.maxBlocks ?? BLOCK_LIMITS.blocksPerMessage;
    if (blocks.length > max) this.fail(pointer, `must contain at most ${max} blocks (found ${blocks.length})`);
    blocks.forEach((block, index) => this.block(block, `${pointer}/${index}`));
  }

  private block(block: unknown, pointer: string): void {
    if (!isObject(block)) {
      this.fail(pointer, 'must be an object');
      return;
    }
    const type = block['type'];
    if (typeof type !== 'string') {
      this.fail(pointer, 'missing required field: type');
      return;
    }
    if (!BLOCK_TYPES.has(type)) {
      this.fail(`${pointer}/type`, `unsupported block type: ${type}`);
      return;
    }
    this.uniqueId(block['block_id'], `${pointer}/block_id`, this.blockIds, BLOCK_LIMITS.blockId, 'block_id');
    switch (type) {
      case 'section':
        return this.section(block, pointer);
      case 'header':
        this.text(block['text'], `${pointer}/text`, { max: BLOCK_LIMITS.headerText, plainOnly: true, required: true });
        return;
      case 'image':
        return this.image(block, pointer, true);
      case 'actions':
        return this.elementList(block['elements'], `${pointer}/elements`, BLOCK_LIMITS.actionsElements, (el, p) => this.element(el, p, false));
      case 'context':
        return this.elementList(block['elements'], `${pointer}/elements`, BLOCK_LIMITS.contextElements, (el, p) => this.contextElement(el, p));
      case 'input':
        this.text(block['label'], `${pointer}/label`, { max: BLOCK_LIMITS.inputLabel, plainOnly: true, required: true });
        if (block['element'] === undefined) this.fail(pointer, 'missing required field: element');
        else this.element(block['element'], `${pointer}/element`, false);
        return;
      case 'markdown':
        if (typeof block['text'] !== 'string') this.fail(pointer, 'missing required field: text');
        else if (block['text'].length > BLOCK_LIMITS.markdownText) this.tooLong(`${pointer}/text`, BLOCK_LIMITS.markdownText);
        return;
      case 'rich_text':
        if (!Array.isArray(block['elements'])) this.fail(pointer, 'missing required field: elements');
        return;
      case 'file':
        if (typeof block['external_id'] !== 'string') this.fail(pointer, 'missing required field: external_id');
        if (typeof block['source'] !== 'string') this.fail(pointer, 'missing required field: source');
        return;
      default:
        // divider, video, table, context_actions: nothing the bot relies on is checked here.
        return;
    }
  }

  private section(block: Obj, pointer: string): void {
    const hasText = block['text'] !== undefined;
    const fields = block['fields'];
    if (!hasText && fields === undefined) {
      this.fail(pointer, 'must provide either text or fields');
    }
    if (hasText) this.text(block['text'], `${pointer}/text`, { max: BLOCK_LIMITS.sectionText, plainOnly: false, required: true });
    if (fields !== undefined) {
      if (!Array.isArray(fields) || fields.length === 0) {
        this.fail(`${pointer}/fields`, 'must be a non-empty array of text objects');
      } else {
        if (fields.length > BLOCK_LIMITS.sectionFields) {
          this.fail(`${pointer}/fields`, `must contain at most ${BLOCK_LIMITS.sectionFields} items`);
        }
        fields.forEach((field: unknown, i) =>
          this.text(field, `${pointer}/fields/${i}`, { max: BLOCK_LIMITS.sectionFieldText, plainOnly: false, required: true }),
        );
      }
    }
    if (block['accessory'] !== undefined) this.element(block['accessory'], `${pointer}/accessory`, true);
  }

  private image(image: Obj, pointer: string, isBlock: boolean): void {
    const alt = image['alt_text'];
    if (typeof alt !== 'string' || alt.length === 0) this.fail(pointer, 'missing required field: alt_text');
    else if (alt.length > BLOCK_LIMITS.altText) this.tooLong(`${pointer}/alt_text`, BLOCK_LIMITS.altText);
    if (isBlock && image['title'] !== undefined) {
      this.text(image['title'], `${pointer}/title`, { max: BLOCK_LIMITS.imageTitle, plainOnly: true, required: true });
    }
    const url = image['image_url'];
    const file = image['slack_file'];
    if (url !== undefined && file !== undefined) {
      this.fail(pointer, 'must provide either image_url or slack_file, not both');
      return;
    }
    if (url === undefined && file === undefined) {
      this.fail(pointer, 'must provide either image_url or slack_file');
      return;
    }
    if (url !== undefined) {
      if (typeof url !== 'string' || url.length === 0) this.fail(`${pointer}/image_url`, 'must be a non-empty string');
      else if (url.length > BLOCK_LIMITS.imageUrl) this.tooLong(`${pointer}/image_url`, BLOCK_LIMITS.imageUrl);
      return;
    }
    this.slackFile(file, `${pointer}/slack_file`);
  }

  private slackFile(file: unknown, pointer: string): void {
    if (!isObject(file)) {
      this.fail(pointer, 'must be an object with id or url');
      return;
    }
    const id = file['id'];
    const url = file['url'];
    if (id !== undefined && url !== undefined) {
      this.fail(pointer, 'must provide either id or url, not both');
      return;
    }
    let ref: SlackFileRef;
    if (id !== undefined) {
      if (typeof id !== 'string' || !FILE_ID.test(id)) {
        this.fail(`${pointer}/id`, `input must match regex pattern: ${FILE_ID.source}`);
        return;
      }
      ref = { id };
    } else if (url !== undefined) {
      if (typeof url !== 'string' || url.length === 0) {
        this.fail(`${pointer}/url`, 'must be a non-empty string');
        return;
      }
      ref = { url };
    } else {
      this.fail(pointer, 'must provide either id or url');
      return;
    }
    const find = this.context.findFile;
    if (!find) return;
    const found = find(ref);
    if (!found) this.fail(pointer, 'invalid slack file: no such file was uploaded');
    else if (!IMAGE_MIMETYPES.has(found.mimetype)) this.fail(pointer, `invalid slack file: ${found.mimetype || 'unknown type'} is not png, jpg or gif`);
    else if (!found.ready) this.fail(pointer, 'invalid slack file: the upload is still being processed');
  }

  private elementList(elements: unknown, pointer: string, max: number, each: (element: unknown, pointer: string) => void): void {
    if (!Array.isArray(elements) || elements.length === 0) {
      this.fail(pointer, 'must be a non-empty array');
      return;
    }
    if (elements.length > max) this.fail(pointer, `must contain at most ${max} elements (found ${elements.length})`);
    elements.forEach((element, i) => each(element, `${pointer}/${i}`));
  }

  private contextElement(element: unknown, pointer: string): void {
    if (isObject(element) && element['type'] === 'image') {
      this.image(element, pointer, false);
      return;
    }
    this.text(element, pointer, { max: Number.POSITIVE_INFINITY, plainOnly: false, required: true });
  }

  /** An interactive element (or an image, where `imageAllowed`: section accessories). */
  private element(element: unknown, pointer: string, imageAllowed: boolean): void {
    if (!isObject(element)) {
      this.fail(pointer, 'must be an object');
      return;
    }
    const type = element['type'];
    if (typeof type !== 'string') {
      this.fail(pointer, 'missing required field: type');
      return;
    }
    if (type === 'image') {
      if (imageAllowed) this.image(element, pointer, false);
      else this.fail(`${pointer}/type`, 'image elements are not allowed here');
      return;
    }
    this.uniqueId(element['action_id'], `${pointer}/action_id`, this.actionIds, BLOCK_LIMITS.actionId, 'action_id');
    if (element['confirm'] !== undefined) this.confirm(element['confirm'], `${pointer}/confirm`);
    if (type === 'button') {
      this.text(element['text'], `${pointer}/text`, { max: BLOCK_LIMITS.buttonText, plainOnly: true, required: true });
      this.optionalString(element['value'], `${pointer}/value`, BLOCK_LIMITS.buttonValue);
      this.optionalString(element['url'], `${pointer}/url`, BLOCK_LIMITS.url);
      this.optionalString(element['accessibility_label'], `${pointer}/accessibility_label`, BLOCK_LIMITS.accessibilityLabel);
      const style = element['style'];
      if (style !== undefined && style !== 'primary' && style !== 'danger') this.fail(`${pointer}/style`, 'must be primary or danger');
      return;
    }
    if (type === 'checkboxes' || type === 'radio_buttons') {
      const max = type === 'checkboxes' ? BLOCK_LIMITS.checkboxOptions : BLOCK_LIMITS.radioOptions;
      const options = this.options(element['options'], `${pointer}/options`, max, false);
      if (type === 'checkboxes') this.initialOptions(element['initial_options'], `${pointer}/initial_options`, options);
      else this.initialOption(element['initial_option'], `${pointer}/initial_option`, options);
      return;
    }
    if (type === 'overflow') {
      this.options(element['options'], `${pointer}/options`, BLOCK_LIMITS.overflowOptions, true);
      return;
    }
    if (SELECT_TYPES.has(type)) {
      if (element['placeholder'] !== undefined) {
        this.text(element['placeholder'], `${pointer}/placeholder`, { max: BLOCK_LIMITS.placeholderText, plainOnly: true, required: true });
      }
      if (type === 'static_select' || type === 'multi_static_select') {
        const options = this.selectOptions(element, pointer);
        if (type === 'static_select') this.initialOption(element['initial_option'], `${pointer}/initial_option`, options);
        else this.initialOptions(element['initial_options'], `${pointer}/initial_options`, options);
      }
      return;
    }
    if (!OTHER_ELEMENT_TYPES.has(type)) this.fail(`${pointer}/type`, `unsupported element type: ${type}`);
  }

  /** A confirmation dialog: every part is required, and the buttons are plain text. */
  private confirm(confirm: unknown, pointer: string): void {
    if (!isObject(confirm)) {
      this.fail(pointer, 'must be a confirmation dialog object');
      return;
    }
    this.text(confirm['title'], `${pointer}/title`, { max: BLOCK_LIMITS.confirmTitle, plainOnly: true, required: true });
    this.text(confirm['text'], `${pointer}/text`, { max: BLOCK_LIMITS.confirmText, plainOnly: false, required: true });
    this.text(confirm['confirm'], `${pointer}/confirm`, { max: BLOCK_LIMITS.confirmButton, plainOnly: true, required: true });
    this.text(confirm['deny'], `${pointer}/deny`, { max: BLOCK_LIMITS.confirmButton, plainOnly: true, required: true });
    const style = confirm['style'];
    if (style !== undefined && style !== 'primary' && style !== 'danger') this.fail(`${pointer}/style`, 'must be primary or danger');
  }

  /** Options of a static select: either `options` or `option_groups`. */
  private selectOptions(element: Obj, pointer: string): Obj[] {
    const groups = element['option_groups'];
    if (groups === undefined) return this.options(element['options'], `${pointer}/options`, BLOCK_LIMITS.selectOptions, true);
    if (element['options'] !== undefined) this.fail(pointer, 'must provide either options or option_groups, not both');
    if (!Array.isArray(groups) || groups.length === 0) {
      this.fail(`${pointer}/option_groups`, 'must be a non-empty array');
      return [];
    }
    return groups.flatMap((group: unknown, i) => {
      const groupPointer = `${pointer}/option_groups/${i}`;
      if (!isObject(group)) {
        this.fail(groupPointer, 'must be an object');
        return [];
      }
      this.text(group['label'], `${groupPointer}/label`, { max: BLOCK_LIMITS.optionText, plainOnly: true, required: true });
      return this.options(group['options'], `${groupPointer}/options`, BLOCK_LIMITS.selectOptions, true);
    });
  }

  /** Checks an option list and returns the well-formed options (for initial_option checks). */
  private options(options: unknown, pointer: string, max: number, plainOnly: boolean): Obj[] {
    if (!Array.isArray(options) || options.length === 0) {
      this.fail(pointer, 'must be a non-empty array of options');
      return [];
    }
    if (options.length > max) this.fail(pointer, `must contain at most ${max} options (found ${options.length})`);
    const values = new Set<string>();
    const good: Obj[] = [];
    options.forEach((option: unknown, i) => {
      const p = `${pointer}/${i}`;
      if (!isObject(option)) {
        this.fail(p, 'must be an option object');
        return;
      }
      this.text(option['text'], `${p}/text`, { max: BLOCK_LIMITS.optionText, plainOnly, required: true });
      const value = option['value'];
      if (typeof value !== 'string' || value.length === 0) {
        this.fail(`${p}/value`, 'missing required field: value');
      } else {
        if (value.length > BLOCK_LIMITS.optionValue) this.tooLong(`${p}/value`, BLOCK_LIMITS.optionValue);
        if (values.has(value)) this.fail(`${p}/value`, `duplicate option value: ${value}`);
        values.add(value);
      }
      if (option['description'] !== undefined) {
        this.text(option['description'], `${p}/description`, { max: BLOCK_LIMITS.optionDescription, plainOnly, required: true });
      }
      good.push(option);
    });
    return good;
  }

  /** Slack rejects initial options that are not exactly one of the element's options. */
  private initialOptions(initial: unknown, pointer: string, options: readonly Obj[]): void {
    if (initial === undefined) return;
    if (!Array.isArray(initial)) {
      this.fail(pointer, 'must be an array of options');
      return;
    }
    initial.forEach((option: unknown, i) => this.initialOption(option, `${pointer}/${i}`, options));
  }

  private initialOption(initial: unknown, pointer: string, options: readonly Obj[]): void {
    if (initial === undefined) return;
    if (!isObject(initial) || !options.some((option) => sameOption(option, initial))) {
      this.fail(pointer, 'must exactly match one of the options');
    }
  }

  private text(value: unknown, pointer: string, rule: { max: number; plainOnly: boolean; required: boolean }): void {
    if (value === undefined) {
      if (rule.required) this.fail(pointer, 'missing required field');
      return;
    }
    if (!isObject(value)) {
      this.fail(pointer, 'must be a text object');
      return;
    }
    const type = value['type'];
    if (type !== 'plain_text' && type !== 'mrkdwn') {
      this.fail(`${pointer}/type`, 'must be plain_text or mrkdwn');
    } else if (rule.plainOnly && type !== 'plain_text') {
      this.fail(`${pointer}/type`, 'must be plain_text');
    }
    const text = value['text'];
    if (typeof text !== 'string' || text.length === 0) {
      this.fail(`${pointer}/text`, 'must be more than 0 characters');
    } else if (text.length > rule.max) {
      this.tooLong(`${pointer}/text`, rule.max, text.length);
    }
  }

  private optionalString(value: unknown, pointer: string, max: number): void {
    if (value === undefined) return;
    if (typeof value !== 'string') this.fail(pointer, 'must be a string');
    else if (value.length > max) this.tooLong(pointer, max, value.length);
  }

  private uniqueId(id: unknown, pointer: string, seen: Map<string, string>, max: number, what: string): void {
    if (id === undefined) return;
    if (typeof id !== 'string' || id.length === 0) {
      this.fail(pointer, 'must be a non-empty string');
      return;
    }
    if (id.length > max) this.tooLong(pointer, max, id.length);
    const first = seen.get(id);
    if (first !== undefined) this.fail(pointer, `duplicate ${what} ${JSON.stringify(id)} (first used at ${first})`);
    else seen.set(id, pointer);
  }

  private tooLong(pointer: string, max: number, actual?: number): void {
    const found = actual === undefined ? '' : ` (found ${actual})`;
    this.fail(pointer, `must be less than ${max + 1} characters${found}`);
  }
}

function sameOption(a: Obj, b: Obj): boolean {
  if (a['value'] !== b['value']) return false;
  const at = a['text'];
  const bt = b['text'];
  return isObject(at) && isObject(bt) && at['type'] === bt['type'] && at['text'] === bt['text'];
}

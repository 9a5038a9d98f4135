"""Transcript formats → Conversation: each sample read the way a QA reviewer would check it by hand."""

import json
import re
from pathlib import Path

import pytest

from phrasecheck.errors import InputError
from phrasecheck.readers import FORMATS, conversation_files, parse_time_ms, read_conversations, read_utterances
from phrasecheck.readers.htmltext import html_to_text

DATA = Path(__file__).parent / "data" / "transcripts"
BAD = DATA / "bad"


def read(name, **options):
    return list(read_conversations(DATA / name, **options))


def roles(conversation):
    return [turn.role for turn in conversation.turns]


def begins(conversation):
    return [turn.begin_ms for turn in conversation.turns]


def until_error(path, **options):
    """The conversations yielded before the InputError, and the error."""
    got = []
    with pytest.raises(InputError) as error:
        for conversation in read_conversations(path, **options):
            got.append(conversation)
    return got, str(error.value)


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# --- one sample per format -------------------------------------------------------------------------


def test_jsonl_three_calls_grouped_sorted_and_timed():
    clean, rude, chat = read("calls.jsonl")
    assert [c.id for c in (clean, rude, chat)] == ["c1001", "c1002", "c1003"]
    assert clean.channel == "call" and clean.agent_id == "a42" and clean.agent_name == "王芳"
    assert clean.source == str(DATA / "calls.jsonl")
    assert roles(clean) == ["agent", "customer", "agent", "agent", "customer", "agent"]
    assert begins(clean)[3] == 41000 and clean.turns[3].end_ms == 46500
    # c1002 is written seq 1, 3, 2, …: turns come back in seq order and keep their own lines
    assert rude.channel == "call"  # "电话"
    assert [t.seq for t in rude.turns] == [1, 2, 3, 4, 5, 6]
    assert [t.text for t in rude.turns[:3]] == ["喂，说吧。", "你们上门安装热水器一般要等几天？", "不知道。"]
    assert [t.line for t in rude.turns[:3]] == [7, 9, 8]
    assert rude.turns[4].text == "这个不归我管，找别人去。" and rude.turns[4].role == "agent"
    # ISO 8601 `ts` becomes ms from the first turn (10:02:03 → 10:02:15 is 12 s)
    assert chat.channel == "chat" and chat.agent_id == "a08"
    assert begins(chat) == [0, 12000, 57000, 207000, 237000]


def test_csv_rows_quotes_and_numeric_roles():
    long_wait, short = read("calls.csv")
    assert (long_wait.id, short.id) == ("p2001", "p2002")
    assert long_wait.channel is None and long_wait.agent_id == "a23" and long_wait.agent_name == "陈晨"
    assert roles(long_wait) == ["agent", "customer", "agent", "customer", "agent", "customer", "agent"]
    assert long_wait.turns[1].text == '洗衣机脱水的时候有"咣咣"的响声，特别大。'
    assert long_wait.turns[4].begin_ms == 58000 and long_wait.turns[4].end_ms == 62500
    assert long_wait.turns[0].line == 2 and short.turns[0].line == 9
    assert roles(short) == ["agent", "customer", "agent", "customer", "agent"]  # role column 1 / 0


def test_gbk_csv_reads_the_same_as_utf8():
    def plain(conversations):
        return [c.model_dump(exclude={"source"}) for c in conversations]

    assert plain(read("calls-gbk.csv")) == plain(read("calls.csv"))
    assert (DATA / "calls-gbk.csv").read_bytes() != (DATA / "calls.csv").read_bytes()


def test_json_conversation_objects_with_aliases():
    refund, points = read("chats.json")
    assert refund.id == "w3001" and refund.channel == "chat"
    assert refund.agent_id == "a55" and refund.agent_name == "孙悦"  # from the conversation object
    assert [t.text for t in refund.turns if t.role == "agent"] == ["自己看页面说明。", "那我也不知道。"]
    assert points.id == "w3002" and points.channel == "chat"  # "在线"
    assert roles(points) == ["customer", "bot", "agent", "customer", "agent"]  # 机器人 is the bot
    assert points.turns[2].text.startswith("您好，很高兴为您服务")  # "content" holds the text
    assert begins(points) == [0, 1500, 12500, 30000, 34250]  # "begin" in seconds
    assert points.agent_id == "a61"
    assert all(t.line is None for t in points.turns)


def test_txt_prefixes_timestamps_and_continuation_lines():
    (call,) = read("call.txt")
    assert call.id == "call" and call.channel is None
    assert roles(call) == ["agent", "customer", "agent", "customer", "agent", "agent", "customer", "agent"]
    assert call.turns[1].text == "我们小区从早上开始就停水了，一直也没有看到通知。"
    assert call.turns[1].begin_ms == 9000
    assert call.turns[2].line == 4  # after the continuation line
    assert call.turns[3].text == "锦绣花园三期。"  # half-width colon
    assert call.turns[5].begin_ms == 70000


@pytest.mark.parametrize("line, role, begin, text", [
    ("00:01:02 客服：您好", "agent", 62000, "您好"),
    ("[12.5s] 顾客:  我要投诉", "customer", 12500, "我要投诉"),
    ("用户：在吗", "customer", None, "在吗"),
    ("Agent: 请稍等", "agent", None, "请稍等"),
    ("座席(工号1001)：好的", "agent", None, "好的"),
    ("[00:00:03.250] customer：嗯", "customer", 3250, "嗯"),
])
def test_txt_line_forms(tmp_path, line, role, begin, text):
    (call,) = read_conversations(write(tmp_path, "t.txt", line + "\n"))
    assert (call.turns[0].role, call.turns[0].begin_ms, call.turns[0].text) == (role, begin, text)


def test_txt_date_times_are_relative_to_the_first_turn(tmp_path):
    path = write(tmp_path, "chat.txt", "2024-05-01 10:00:00 客户：在吗\n2024-05-01 10:01:30 客服：您好，请讲\n")
    (chat,) = read_conversations(path)
    assert begins(chat) == [0, 90000]


def test_txt_title_lines_before_the_first_turn(tmp_path):
    path = write(tmp_path, "title.txt", "通话记录 2024-05-06\n\n坐席：您好\n客户：你好\n")
    (call,) = read_conversations(path)
    assert call.meta == {"header": ["通话记录 2024-05-06"]} and roles(call) == ["agent", "customer"]
    with pytest.raises(InputError, match=r"plain\.txt:1: expected turns starting with a role .* found none"):
        list(read_conversations(write(tmp_path, "plain.txt", "今天天气不错\n")))


def test_srt_cues_with_name_prefixes():
    (call,) = read("call.srt")
    assert call.channel == "call" and len(call.turns) == 5
    assert roles(call) == ["agent", "customer", "agent", "customer", "agent"]
    assert call.turns[1].text == "我家楼上漏水，已经渗到我家天花板了。"  # two subtitle lines, one turn
    assert call.turns[2].text == "这个不归我管，找别人去。" and call.turns[2].speaker == "客服"
    assert (call.turns[4].begin_ms, call.turns[4].end_ms) == (62500, 66000)  # 00:01:02,500
    assert call.turns[4].line == 18


def test_vtt_voices_notes_and_timestamps():
    (call,) = read("call.vtt")
    assert call.channel == "call" and len(call.turns) == 6  # header and NOTE skipped
    assert [t.speaker for t in call.turns[:2]] == ["坐席小周", "张先生"]
    assert roles(call) == ["agent", "customer", "agent", "agent", "customer", "agent"]
    assert begins(call) == [500, 4500, 8800, 80000, 85000, 87500]  # with and without hours
    assert call.turns[2].text == "请您重启一下光猫，观察指示灯是否正常。"
    assert call.turns[3].text == "抱歉让您久等了，我这边已经为您提交了报修工单。"  # </v> and settings gone


def test_vtt_unknown_speaker_opposite_a_named_customer_is_the_agent(tmp_path):
    text = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v 小王>您好\n\n00:03.000 --> 00:04.000\n<v 客户>你好\n"
    (call,) = read_conversations(write(tmp_path, "x.vtt", text))
    assert roles(call) == ["agent", "customer"]


def test_subtitles_without_any_speaker_are_an_error(tmp_path):
    path = write(tmp_path, "mute.srt", "1\n00:00:01,000 --> 00:00:02,000\n您好\n")
    with pytest.raises(InputError, match=r"mute\.srt: no cue names its speaker"):
        list(read_conversations(path))


def test_aliyun_pascal_case_sorted_by_time_and_agent_channel():
    (call,) = read("aliyun.json")
    assert call.id == "aliyun" and call.channel == "call"
    assert call.meta == {"task_id": "4b56f0c4b7e611eeb1c1d3a1f2e0c9a8"}
    assert begins(call) == [300, 5200, 9600, 16200, 18000]  # channels interleaved by time
    assert roles(call) == ["agent", "customer", "agent", "customer", "agent"]
    assert call.turns[1].text == "我想问一下这个月的账单为什么多了一笔年费。"
    assert call.turns[0].meta["EmotionValue"] == 6.1
    (flipped,) = read("aliyun.json", agent_channel=1)
    assert roles(flipped) == ["customer", "agent", "customer", "agent", "customer"]


def test_aliyun_camel_case_sentence_list():
    (call,) = read("aliyun-camel.json")
    assert [t.text for t in call.turns][2] == "不知道，我这边看不到。"
    assert roles(call) == ["agent", "customer", "agent", "customer", "agent"]
    assert (call.turns[4].begin_ms, call.turns[4].end_ms) == (10500, 12600)
    (flipped,) = read("aliyun-camel.json", agent_channel=1)
    assert flipped.turns[0].role == "customer" and flipped.turns[1].role == "agent"


def test_aliyun_bare_sentences_speaker_ids_and_empty_results(tmp_path):
    bare = {"Sentences": [{"BeginTime": 0, "EndTime": 900, "Text": "您好", "SpeakerId": "1"},
                          {"BeginTime": 1000, "EndTime": 1900, "Text": "你好", "SpeakerId": "2"}]}
    (call,) = read_conversations(write(tmp_path, "a.json", json.dumps(bare)), "aliyun", agent_channel=1)
    assert roles(call) == ["agent", "customer"]
    silent = {"TaskId": "t", "StatusText": "SUCCESS_WITH_NO_VALID_FRAGMENT", "Result": {"Sentences": []}}
    assert list(read_conversations(write(tmp_path, "s.json", json.dumps(silent)))) == []


def test_alibaba_sca_dialogue_items(tmp_path):
    items = [{"role": "客服", "identity": "坐席", "words": "您好，请问有什么可以帮您？", "begin": 0, "end": 2100},
             {"role": "客户", "identity": "客户", "words": "我想取消订单。", "begin": 2600, "end": 4000}]
    (call,) = read_conversations(write(tmp_path, "sca.json", json.dumps(items, ensure_ascii=False)))
    assert roles(call) == ["agent", "customer"] and call.channel == "call"
    assert call.turns[1].text == "我想取消订单。" and call.turns[1].begin_ms == 2600


def test_tencent_result_detail_preferred():
    (call,) = read("tencent.json")
    assert call.channel == "call" and call.meta == {"task_id": 8126153921}
    assert roles(call) == ["agent", "customer", "agent", "customer", "agent"]
    assert begins(call) == [400, 4700, 8900, 15100, 16700]
    assert "SpeechSpeed" in call.turns[0].meta  # only ResultDetail has it
    assert call.turns[2].text == "请您不要着急，带上身份证到任意网点就可以解锁，给您带来不便非常抱歉。"
    (flipped,) = read("tencent.json", agent_channel=1)
    assert flipped.turns[1].role == "agent"


def test_tencent_result_string():
    (call,) = read("tencent-result-string.json")
    assert len(call.turns) == 5
    assert call.turns[2].text == "套餐的事不归我管，你找营业厅去。"
    assert roles(call) == ["agent", "customer", "agent", "customer", "agent"]
    assert (call.turns[1].begin_ms, call.turns[1].end_ms) == (3020, 7880)
    assert call.turns[4].begin_ms == 65400  # [1:5.400,…]


def test_iflytek_nested_json_strings():
    (call,) = read("iflytek.json")
    assert call.meta == {"order_id": "DKHJQ202405061530481234567890"} and call.channel == "call"
    assert call.turns[0].text == "您好，外卖平台客服，我是小吴，请问有什么可以帮您？"
    assert roles(call) == ["agent", "customer", "agent", "customer", "agent"]  # rl "1" is the agent by default
    assert (call.turns[2].begin_ms, call.turns[2].end_ms) == (10010, 16880)
    # --agent-channel takes iFlytek's own numbering: rl counts from 1
    (same,) = read("iflytek.json", agent_channel=1)
    assert roles(same) == roles(call)
    (flipped,) = read("iflytek.json", agent_channel=2)
    assert flipped.turns[0].role == "customer" and flipped.turns[1].role == "agent"


def test_wecom_archive_chats_recalls_and_roles():
    single, group = read("wecom.jsonl")
    assert single.id == "wmJ7kQZwAAq3HhVtM9pXf2LrY0aBcD1E~zhangwei" and single.channel == "chat"
    assert single.agent_id == "zhangwei"
    texts = [t.text for t in single.turns]
    assert "不知道行不行，你自己先拆开看看。" not in texts  # recalled
    assert len(texts) == 6  # the image is skipped
    assert begins(single) == [0, 20000, 45000, 90000, 115000, 136000]
    assert [t.line for t in single.turns[:2]] == [2, 3]
    assert group.id == "wrOgQhDgAAcwMTB7YmDkbeBsgT_KAbcd"
    assert roles(group) == ["customer", "bot", "agent"]
    assert group.agent_id == "lisi" and begins(group) == [0, 1000, 50000]


def test_wecom_json_list_reads_like_jsonl(tmp_path):
    messages = [json.loads(line) for line in (DATA / "wecom.jsonl").read_text(encoding="utf-8").splitlines()]
    path = write(tmp_path, "archive.json", json.dumps(messages, ensure_ascii=False, indent=1))
    listed = [c.model_dump(exclude={"source"}) for c in read_conversations(path)]
    for conversation in listed:
        for turn in conversation["turns"]:
            turn["line"] = None
    streamed = [c.model_dump(exclude={"source"}) for c in read("wecom.jsonl")]
    for conversation in streamed:
        for turn in conversation["turns"]:
            turn["line"] = None
    assert listed == streamed


@pytest.mark.parametrize("name, fmt", [
    ("calls.jsonl", "jsonl"), ("calls.csv", "csv"), ("calls-gbk.csv", "csv"), ("chats.json", "json"),
    ("call.txt", "txt"), ("call.srt", "srt"), ("call.vtt", "vtt"), ("aliyun.json", "aliyun"),
    ("aliyun-camel.json", "aliyun"), ("tencent.json", "tencent"), ("tencent-result-string.json", "tencent"),
    ("iflytek.json", "iflytek"), ("wecom.jsonl", "wecom"), ("zendesk.json", "zendesk"),
    ("zendesk-qa.json", "zendesk"), ("intercom.json", "intercom"), ("freshdesk.json", "freshdesk"),
])
def test_auto_detection_matches_the_explicit_format(tmp_path, name, fmt):
    explicit = read(name, input_format=fmt)
    assert explicit and read(name) == explicit
    # by content, not by name: the same bytes under a meaningless name (ids from the name aside)
    renamed = tmp_path / "export.dat"
    renamed.write_bytes((DATA / name).read_bytes())
    assert [c.model_dump(exclude={"source", "id"}) for c in read_conversations(renamed)] == \
        [c.model_dump(exclude={"source", "id"}) for c in explicit]


# --- options and details ------------------------------------------------------------------------------


def test_channel_argument_overrides_every_format():
    assert {c.channel for c in read("calls.jsonl", channel="chat")} == {"chat"}
    assert read("wecom.jsonl", channel="call")[0].channel == "call"


def test_jsonl_without_conv_id_is_one_conversation_named_after_the_file(tmp_path):
    path = write(tmp_path, "ticket-88.jsonl", '{"role":"客户","text":"在吗"}\n{"role":"客服","text":"您好"}\n')
    (conversation,) = read_conversations(path)
    assert conversation.id == "ticket-88" and roles(conversation) == ["customer", "agent"]


def test_numeric_channel_column_gives_the_role_when_there_is_none(tmp_path):
    path = write(tmp_path, "tracks.csv", "conv_id,channel,text,begin_ms\nk1,0,您好,0\nk1,1,你好,1500.0\n")
    (call,) = read_conversations(path, agent_channel=1)
    assert roles(call) == ["customer", "agent"]
    assert call.turns[1].begin_ms == 1500  # a column named in ms stays ms


def test_bom_and_blank_turns(tmp_path):
    path = write(tmp_path, "bom.jsonl", '\ufeff{"conv_id":"b","role":"agent","text":"您好"}\n'
                                       '{"conv_id":"b","role":"customer","text":"  "}\n')
    (conversation,) = read_conversations(path)
    assert [t.text for t in conversation.turns] == ["您好"]


@pytest.mark.parametrize("value, expected", [
    (1500, 1500), ("1500", 1500), (12.5, 12500), ("12.5", 12500), ("12.5s", 12500), ("3s", 3000),
    ("0:1.540", 1540), ("1:05.400", 65400), ("00:01:02,500", 62500), ("00:01:02.500", 62500),
    ("01:00:00", 3600000), (None, None), ("", None),
])
def test_parse_time_ms(value, expected):
    assert parse_time_ms(value, "f:1") == expected


def test_parse_time_ms_iso_and_errors():
    assert parse_time_ms("2024-05-01T10:00:01.5+08:00", "f:1") - parse_time_ms("2024-05-01T02:00:00Z", "f:1") == 1500
    assert parse_time_ms(1500.0, "f:1", ms=True) == 1500
    with pytest.raises(InputError, match=r"f:1: negative time -5"):
        parse_time_ms(-5, "f:1")
    with pytest.raises(InputError, match=r"f:2: cannot read the time 'soon'"):
        parse_time_ms("soon", "f:2")
    with pytest.raises(InputError, match="cannot read the time True"):
        parse_time_ms(True, "f:3")


def test_conversation_files_expands_folders(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    for name in ("b/2.jsonl", "a.txt", ".hidden.txt", ".git/config"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    single = tmp_path / "a.txt"
    assert list(conversation_files([str(tmp_path), str(single)])) == [tmp_path / "a.txt", tmp_path / "b" / "2.jsonl",
                                                                      single]
    with pytest.raises(InputError, match="nowhere.jsonl: no such file or directory"):
        list(conversation_files([str(tmp_path / "nowhere.jsonl")]))


# --- bad input: one clear line, nothing already read is lost --------------------------------------------


@pytest.mark.parametrize("name, reason", [
    ("truncated.json", "truncated.json:14: invalid JSON (it ends inside a JSON value: truncated?)"),
    ("truncated.jsonl", "truncated.jsonl:3: invalid JSON"),
    ("utf16.csv", "utf16.csv:1: NUL bytes: binary data or UTF-16 text, expected UTF-8 or GBK"),
    ("latin1.txt", "latin1.txt:2: cannot decode the file: expected UTF-8, UTF-8 with BOM or GBK"),
    ("no-role.csv", "no-role.csv:1: expected a CSV header with role and text columns (missing: role;"),
    ("empty.jsonl", "empty.jsonl: empty file, expected JSONL, CSV"),
    ("unknown-role.jsonl", "unknown-role.jsonl:3: unknown role '经理'"),
    ("interleaved.jsonl", "interleaved.jsonl:3: conversation i1 continues at line 3 after other conversations; "
                          "group lines by conv_id"),
    ("text-not-string.jsonl", "text-not-string.jsonl:1: text: Input should be a valid string"),
    ("aliyun-failed.json", "aliyun-failed.json: Alibaba task 9c1f0a2e8d7b11eea5b3f7c2d4e6a8b0 status is "
                           "FILE_DOWNLOAD_FAILED"),
    ("iflytek-error.json", "iflytek-error.json: iFlytek error 26151: 订单不存在或已过期"),
    ("notes.md", "notes.md:1: cannot tell the format"),
])
def test_bad_files_raise_one_line_input_errors(name, reason):
    _, message = until_error(BAD / name)
    assert str(BAD) in message and reason in message
    assert "\n" not in message


@pytest.mark.parametrize("name, before", [
    ("unknown-role.jsonl", ["r1"]), ("interleaved.jsonl", ["i1", "i2"]), ("truncated.jsonl", ["t1"]),
])
def test_conversations_before_a_bad_line_are_still_yielded(name, before):
    got, _ = until_error(BAD / name)
    assert [c.id for c in got] == before
    assert all(c.turns for c in got)


def test_a_bad_line_late_in_a_gbk_file_keeps_the_earlier_conversations(tmp_path):
    good = (DATA / "calls.csv").read_text(encoding="utf-8")
    path = write(tmp_path, "late.csv", good + "p2003,1,经理,,,你好,0,1000\n", encoding="gbk")
    got, message = until_error(path)
    assert [c.id for c in got] == ["p2001", "p2002"]
    assert "late.csv:14: unknown role '经理'" in message


def test_a_gbk_line_after_a_long_utf8_start_names_its_line(tmp_path):
    """Large files stream with the encoding of their first 64 KiB; a line in another one is an error."""
    utf8 = "".join(f'{{"conv_id":"m{i}","role":"agent","text":"您好，请问有什么可以帮您？"}}\n' for i in range(1500))
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(utf8.encode("utf-8") + '{"conv_id":"x","role":"agent","text":"您好"}\n'.encode("gbk"))
    got, message = until_error(path)
    assert len(got) == 1500 and "mixed.jsonl:1501: cannot decode the line as UTF-8" in message


def test_a_broken_line_of_the_same_conversation_keeps_it_back(tmp_path):
    """The line might have been that conversation's last turn: yielding it would score half a call."""
    path = write(tmp_path, "half.jsonl", '{"conv_id":"h1","role":"agent","text":"您好"}\n{"conv_id":"h1","role":"cus')
    got, message = until_error(path)
    assert got == [] and "half.jsonl:2: invalid JSON" in message


@pytest.mark.parametrize("body, reason", [
    ('{"conv_id":"n","role":"agent","text":"好","begin_ms":-20}', "n.jsonl:1: begin_ms: negative time -20"),
    ('{"conv_id":"n","text":"好"}', "n.jsonl:1: missing role"),
    ('{"conv_id":"n","role":"agent"}', 'n.jsonl:1: expected a "text" field'),
    ('{"conv_id":"n","role":"agent","text":"好","channel":"fax"}', "n.jsonl:1: unknown channel 'fax'"),
    ('["not", "an", "object"]', "n.jsonl: [0]: expected an utterance"),
])
def test_bad_values_in_jsonl(tmp_path, body, reason):
    _, message = until_error(write(tmp_path, "n.jsonl", body + "\n"))
    assert reason in message


def test_format_errors_for_wrong_shapes(tmp_path):
    with pytest.raises(InputError, match="unknown transcript format 'docx'"):
        list(read_conversations(DATA / "calls.jsonl", "docx"))
    with pytest.raises(InputError, match=r"nothing\.json: no such file"):
        list(read_conversations(tmp_path / "nothing.json"))
    failed = {"Response": {"Data": {"TaskId": 7, "Status": 3, "ErrorMsg": "音频下载失败"}}}
    with pytest.raises(InputError, match="Tencent task 7 is failed: 音频下载失败"):
        list(read_conversations(write(tmp_path, "t.json", json.dumps(failed, ensure_ascii=False))))
    with pytest.raises(InputError, match=r"Result line 1: expected"):
        list(read_conversations(write(tmp_path, "r.json", '{"Data": {"Status": 2, "Result": "hello"}}'), "tencent"))


def test_chinese_column_names_of_a_gbk_export_are_read_as_the_canonical_ones(tmp_path):
    path = tmp_path / "质检导出.csv"
    rows = ("会话ID,序号,角色,坐席工号,坐席姓名,内容,开始时间,结束时间\n"
            "q1,1,坐席,8001,张丽,您好，电力客服中心,00:00:00.000,00:00:02.500\n"
            "q1,2,客户,,,我家停电了,00:00:03.000,00:00:04.000\n")
    path.write_bytes(rows.encode("gbk"))
    [conversation] = read_conversations(path)
    assert (conversation.id, conversation.agent_id, conversation.agent_name) == ("q1", "8001", "张丽")
    assert [(t.role, t.text, t.begin_ms, t.end_ms) for t in conversation.turns] == [
        ("agent", "您好，电力客服中心", 0, 2500), ("customer", "我家停电了", 3000, 4000)]


# --- chat exports: Zendesk, Intercom, Freshdesk ------------------------------------------------------


def texts(conversation):
    return [turn.text for turn in conversation.turns]


def test_zendesk_comments_roles_from_users_notes_and_calls_dropped():
    (ticket,) = read("zendesk.json")
    assert ticket.channel == "chat" and ticket.id == "zendesk"  # the comments endpoint does not name the ticket
    assert roles(ticket) == ["customer", "agent", "customer", "agent", "agent"]  # end-user / agent / admin
    assert all("内部备注" not in text for text in texts(ticket))  # public: false is an internal note
    assert all("Outbound call" not in text for text in texts(ticket))  # a VoiceComment is no message
    assert ticket.turns[0].text.startswith("你好，我上周在官网买的电动牙刷")  # the description comes first
    # html_body as plain text: paragraphs and <br> are lines, &nbsp; a space, the quoted mail left out
    assert ticket.turns[1].text == "您好，张女士：\n非常抱歉给您带来不便。请您提供一下订单号，我这边为您办理换货。"
    assert ticket.turns[2].text == "订单号是 20240428-8812。能不能快一点？"
    assert ticket.turns[3].text == "换货单已经提交了。\n物流快慢不归我管，你找快递去。"
    assert "单号 SF1400236687，预计明天送达" in ticket.turns[4].text
    assert [t.speaker for t in ticket.turns[3:]] == ["王磊", "赵敏"] and ticket.agent_id == "411200871"
    assert begins(ticket)[:2] == [0, 935000]  # created_at, from the first comment


def test_zendesk_comments_without_their_users_name_the_comment(tmp_path):
    doc = json.loads((DATA / "zendesk.json").read_text(encoding="utf-8"))
    del doc["users"]
    with pytest.raises(InputError, match=r"z\.json: comments\[0\]: author 381920012 is not among the users: "
                                         r"expected .*include=users"):
        list(read_conversations(write(tmp_path, "z.json", json.dumps(doc, ensure_ascii=False))))


def test_zendesk_qa_import_authors_and_markup():
    points, invoice = read("zendesk-qa.json")
    assert (points.id, invoice.id) == ("ZQA-58213", "ZQA-58214")
    assert roles(points) == ["customer", "agent", "customer", "agent"]  # authorIsNotClient
    assert points.agent_id == "liu.yang@example.cn" and points.agent_name == "刘洋"  # the assignee
    assert points.turns[1].text == "您好，陈先生！\n积分一般在消费后 24 小时内到账，请您耐心等待。"
    assert points.turns[2].text == "**急**，明天就要用积分兑换了。\n能不能帮我查一下？"  # markdown keeps its lines
    assert all(t.begin_ms is None for t in points.turns)  # the import shape has no times


def test_intercom_parts_notes_dropped_bot_told_apart_and_html_read():
    (chat,) = read("intercom.json")
    assert chat.id == "183947720001" and chat.channel == "chat"
    assert roles(chat) == ["customer", "bot", "customer", "agent", "customer", "agent"]
    assert chat.turns[0].text == "你好，我的会员卡绑定不了手机号。"  # the source message opens it
    assert chat.turns[1].speaker == "Fin"  # from_ai_agent: the bot, though it answers like an agent
    assert chat.turns[2].text == "提示“手机号已被占用”。"  # &ldquo; &rdquo;
    assert all("旧账户上，先解绑" not in text for text in texts(chat))  # the note
    assert chat.turns[3].text == ("您好，李女士，我是客服小陈，让您久等了。\n这个手机号绑定在您的另一个旧账户上，"
                                  "我已经为您解绑，\n请您重新绑定试试。")
    assert chat.turns[5].text.startswith("不客气")  # a close part that carries a message
    assert chat.agent_id == "7302214" and chat.agent_name == "陈晓"
    assert begins(chat) == [0, 6000, 40000, 200000, 580000, 660000]  # Unix seconds, from the first


def test_freshdesk_private_notes_dropped_and_quoted_mail_left_out():
    (ticket,) = read("freshdesk.json")
    assert ticket.id == "20417" and ticket.channel == "chat"
    assert roles(ticket) == ["customer", "agent", "customer", "agent", "agent"]  # incoming true / false
    assert all("已派单给张师傅" not in text for text in texts(ticket))  # private: true
    assert ticket.turns[1].text == "王先生您好：\n非常抱歉给您带来不便，我们已为您安排师傅明天上午上门检修。"
    assert ticket.turns[2].text == "明天上午我不在家，能改到下午吗？"  # its <blockquote> left out
    assert ticket.turns[3].text == "改不了，你自己想办法吧。" and ticket.turns[3].agent_id == "48000302"
    assert begins(ticket) == [0, 2400000, 4200000, 5400000, 7500000]


def test_freshdesk_ticket_with_conversations_opens_with_the_description(tmp_path):
    ticket = {"id": 88, "subject": "退款", "description": "<div>我要退款，订单 7731。</div>", "requester_id": 5,
              "created_at": "2024-05-06T01:00:00Z",
              "conversations": [{"id": 1, "body": "<p>您好，已为您提交退款。</p>", "incoming": False, "private": False,
                                 "user_id": 9, "ticket_id": 88, "created_at": "2024-05-06T01:05:00Z"}]}
    (conversation,) = read_conversations(write(tmp_path, "t.json", json.dumps(ticket, ensure_ascii=False)))
    assert conversation.id == "88" and conversation.meta == {"subject": "退款"}
    assert [(t.role, t.text, t.begin_ms) for t in conversation.turns] == [
        ("customer", "我要退款，订单 7731。", 0), ("agent", "您好，已为您提交退款。", 300000)]


def test_html_bodies_become_the_text_the_customer_read():
    assert html_to_text("<p>请您&nbsp;稍等</p><script>x()</script><p>谢谢<br/>再见</p>") == "请您 稍等\n谢谢\n再见"
    assert html_to_text('<div>好的</div><div class="gmail_quote">On Mon <div>旧邮件</div> wrote</div>') == "好的"
    assert html_to_text("<p>a &lt;b&gt; &amp; c</p>") == "a <b> & c"


def test_every_format_is_registered_once():
    assert FORMATS[0] == "auto" and len(set(FORMATS)) == len(FORMATS)
    assert {"zendesk", "intercom", "freshdesk", "jsonl", "csv", "txt", "srt", "vtt", "wecom"} <= set(FORMATS)


# --- scan's reading: the same utterances -------------------------------------------------------------

SAMPLES = sorted(path.name for path in DATA.iterdir() if path.is_file())


@pytest.mark.parametrize("name", SAMPLES)
def test_scan_reads_the_utterances_score_reads(name):
    scored = [(turn.text, turn.role) for conversation in read(name) for turn in conversation.turns]
    scanned = [(record.text, record.role) for record in read_utterances(DATA / name)]
    assert scanned and scanned == scored


def test_utterance_ids_sources_and_positions():
    records = list(read_utterances(DATA / "calls.jsonl"))
    assert [r.id for r in records[:3]] == ["c1001:1", "c1001:2", "c1001:3"]
    assert records[0].source == str(DATA / "calls.jsonl") and records[0].line == 1
    assert records[0].meta["agent_id"] == "a42" and records[0].meta["conv_id"] == "c1001"
    line = (DATA / "calls.jsonl").read_text(encoding="utf-8").splitlines()[0]
    column = records[0].position.column
    assert line[column - 1:column - 1 + len(records[0].text)] == records[0].text
    # a JSON document has no lines for its turns: they are found in the file
    first = next(iter(read_utterances(DATA / "chats.json")))
    assert (first.id, first.line) == ("w3001:1", 8)
    # subtitles: the cue's text line, after its number and timing
    cues = list(read_utterances(DATA / "call.srt"))
    assert (cues[0].id, cues[0].position.line, cues[0].position.column) == ("call.srt:1", 3, 4)


def test_scan_replies_without_conversations(tmp_path):
    path = write(tmp_path, "lib.jsonl", '{"id": "r1", "text": "您好"}\n{"role": "客户", "text": "在吗", "tag": "x"}\n')
    first, second = read_utterances(path)
    assert (first.id, first.role, first.meta) == ("r1", "agent", {})  # no role: the agent's reply
    assert (second.id, second.role, second.meta) == ("lib.jsonl:2", "customer", {"tag": "x"})
    with pytest.raises(InputError, match="missing role"):  # score needs the role
        list(read_conversations(path))
    plain = write(tmp_path, "canned.txt", "您好，请问有什么可以帮您？\n\n  请您稍等。\n")
    assert [(r.id, r.role, r.text) for r in read_utterances(plain)] == [
        ("canned.txt:1", "agent", "您好，请问有什么可以帮您？"), ("canned.txt:3", "agent", "请您稍等。")]
    # a CSV of replies needs only a text column
    csv_path = write(tmp_path, "lib.csv", "id,text\n7,您好\n")
    assert [(r.id, r.role) for r in read_utterances(csv_path)] == [("7", "agent")]


def test_scan_keeps_what_was_read_of_a_conversation_cut_by_a_bad_line(tmp_path):
    path = write(tmp_path, "half.jsonl", '{"conv_id":"h1","role":"agent","text":"您好"}\n{"conv_id":"h1","role":"cus')
    got = []
    with pytest.raises(InputError, match=r"half\.jsonl:2: invalid JSON"):
        for record in read_utterances(path):
            got.append(record)
    assert [(r.id, r.text) for r in got] == [("h1:1", "您好")]  # score withholds the half call; scan keeps the line
    got = []
    with pytest.raises(InputError, match=r"unknown-role\.jsonl:3: unknown role"):
        for record in read_utterances(BAD / "unknown-role.jsonl"):
            got.append(record)
    assert [r.id for r in got] == ["r1:1", "r1:2"]


@pytest.mark.parametrize("name, reason", [
    ("truncated.json", "truncated.json:14: invalid JSON (it ends inside a JSON value: truncated?)"),
    ("utf16.csv", "utf16.csv:1: NUL bytes"), ("latin1.txt", "latin1.txt:2: cannot decode the file"),
    ("empty.jsonl", "empty.jsonl: empty file, expected JSONL, CSV"),
])
def test_scan_refuses_what_score_refuses(name, reason):
    with pytest.raises(InputError, match=re.escape(reason)):
        list(read_utterances(BAD / name))

"""What intake tells the petitioner by SMS: the texts, in Chinese (the petitioner's language).

Pure: the handlers decide when, the notifications port (hotline.notifications.v1) carries
them, an SMS-gateway adapter delivers them. A text never names the petitioner or the phone.
"""

from datetime import datetime

from shared.contracts.local_time import SHANGHAI

SIGNATURE = "【沈阳12345】"
REPLY_EXCERPT = 120  # characters of the unit's reply quoted in the SMS


def receipt_text(status: str, tracking_number: str, inquiry_code: str | None = None,
                 into_tracking_number: str | None = None) -> str:
    """The acknowledgement of a submission, with the inquiry code of a private appeal."""
    if status == "merged":
        text = f"您的诉求与办理中的诉求{into_tracking_number}相同，已合并办理，请以该编号查询。"
    elif status == "pending_review":
        text = f"您的诉求已收到，编号{tracking_number}，正在人工分类，受理后将转办。"
    else:
        text = f"您的诉求已受理，受理编号{tracking_number}。"
    if inquiry_code:
        text += f"隐私办件查询码：{inquiry_code}，凭编号和查询码查询进度，请妥善保管，勿告知他人。"
    return SIGNATURE + text


def reply_text(tracking_number: str, reply: str, token: str, expires_at: datetime) -> str:
    """The unit's reply and the one-time evaluation token (the petitioner alone may rate)."""
    excerpt = reply if len(reply) <= REPLY_EXCERPT else reply[:REPLY_EXCERPT] + "…"
    until = expires_at.astimezone(SHANGHAI).strftime("%Y-%m-%d")
    return (f"{SIGNATURE}您的诉求{tracking_number}已答复：{excerpt} "
            f"请评价办理结果：评价码{token}（{until}前有效，仅可使用一次），"
            f"在12345网站该办件页面填写，或回复短信。")


def confirmation_text(code: str, minutes: int) -> str:
    return f"{SIGNATURE}验证码{code}，用于在网站提交诉求，{minutes}分钟内有效。如非本人操作请忽略。"


def international(phone: str) -> str:
    """E.164-style for the gateway: mobiles +86 + 11 digits; landlines +86 without the 0."""
    return "+86" + (phone[1:] if phone.startswith("0") else phone)

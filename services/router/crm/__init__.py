"""Closing the loop: CRM activities (touch, accept, reject, convert, win, lose) applied to assignments."""

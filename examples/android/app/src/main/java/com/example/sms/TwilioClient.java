package com.example.sms;

import java.util.Base64;

/** Sends SMS straight from the phone: the 2017 mistake, kept here as a demo. */
public final class TwilioClient {
    private static final String ACCOUNT_SID = "AC27ccccfdf7e13385187122af5409877c";
    private static final String AUTH_TOKEN = "d930bd0194b30f3456c3e244293ee3b4";

    String authorization() {
        String pair = ACCOUNT_SID + ":" + AUTH_TOKEN;
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes());
    }
}
